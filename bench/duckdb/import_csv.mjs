// DuckDB's CSV reader, as the peer of `attrib import`: read an events CSV into a
// table with N threads and print the wall time in seconds.
// usage: node import_csv.mjs FILE.csv [THREADS]
import { DuckDBInstance } from '@duckdb/node-api';

const [file, threads = '2'] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const t0 = process.hrtime.bigint();
await con.run(`CREATE TABLE events AS SELECT * FROM read_csv('${file.replace(/'/g, "''")}',
  header = true,
  columns = {'event_id': 'UBIGINT', 'identity': 'VARCHAR', 'timestamp': 'BIGINT',
             'campaign_id': 'UINTEGER', 'kind': 'VARCHAR', 'cost': 'DOUBLE'})`);
const t1 = process.hrtime.bigint();
const r = await con.runAndReadAll('SELECT count(*) FROM events');
console.log(`${Number(t1 - t0) / 1e9} ${r.getRows()[0][0]}`);
