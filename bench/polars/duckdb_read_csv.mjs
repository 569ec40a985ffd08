#!/usr/bin/env node
// DuckDB's CSV reader on the same files as read_csv.mjs (bench/run_vs_peers.sh, the
// import row): CREATE TABLE … AS SELECT * FROM read_csv(…) with the column types given,
// into memory, THREADS threads (default 2), REPEAT times in one process (tables dropped
// in between); prints "read_s=<median>", "read_runs=…" and "rows=…" as read_csv.mjs does.
// Uses bench/duckdb's @duckdb/node-api (run `npm ci` there first).
// usage: node duckdb_read_csv.mjs EVENTS.csv CONVERSIONS.csv CAMPAIGNS.csv [REPEAT=3] [THREADS=2]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [ev, cv, cp, repeat = '3', threads = '2'] = process.argv.slice(2);
if (!cp) { process.stderr.write('usage: node duckdb_read_csv.mjs EVENTS.csv CONVERSIONS.csv CAMPAIGNS.csv [REPEAT] [THREADS]\n'); process.exit(2); }
const req = createRequire(new URL('../duckdb/package.json', import.meta.url));
const { DuckDBInstance } = await import(pathToFileURL(req.resolve('@duckdb/node-api')).href);
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const q = (s) => `'${resolve(s).replace(/'/g, "''")}'`;
const specs = [
  ['events', ev, "{'event_id': 'UBIGINT', 'identity': 'VARCHAR', 'timestamp': 'BIGINT', 'campaign_id': 'UINTEGER', 'kind': 'VARCHAR', 'cost': 'DOUBLE'}"],
  ['conversions', cv, "{'conversion_id': 'UBIGINT', 'identity': 'VARCHAR', 'timestamp': 'BIGINT', 'advertiser_id': 'UINTEGER', 'type': 'VARCHAR', 'value': 'DOUBLE'}"],
  ['campaigns', cp, "{'campaign_id': 'UINTEGER', 'advertiser_id': 'UINTEGER', 'name': 'VARCHAR'}"],
];
const now = () => Number(process.hrtime.bigint()) / 1e9;
const runs = [];
let rows = [];
for (let k = 0; k < Math.max(1, parseInt(repeat, 10) || 1); k++) {
  for (const [t] of specs) await con.run(`DROP TABLE IF EXISTS ${t}`);
  const t0 = now();
  for (const [t, f, cols] of specs)
    await con.run(`CREATE TABLE ${t} AS SELECT * FROM read_csv(${q(f)}, header = true, columns = ${cols})`);
  runs.push(now() - t0);
  rows = [];
  for (const [t] of specs) rows.push((await con.runAndReadAll(`SELECT count(*) FROM ${t}`)).getRows()[0][0]);
}
const s = [...runs].sort((a, b) => a - b), m = s.length >> 1;
const med = s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
process.stdout.write(`read_s=${med.toFixed(4)}\nread_runs=${runs.map((x) => x.toFixed(4)).join(',')}\nrows=${rows.join(',')}\n`);
