#!/usr/bin/env node
// Polars' CSV reader as the peer of `attrib import` (bench/run_vs_peers.sh): read the CSV
// files `attrib gen --csv` writes (events, conversions, campaigns, as `attrib import`
// reads them: string identities, integer-ms timestamps) into DataFrames with the column
// types given, THREADS threads (POLARS_MAX_THREADS, default 2), REPEAT times in one
// process; prints "read_s=<median>", "read_runs=a,b,c" and "rows=<events>,<conversions>,<campaigns>".
// usage: node read_csv.mjs EVENTS.csv CONVERSIONS.csv CAMPAIGNS.csv [REPEAT=3] [THREADS=2]
const [ev, cv, cp, repeat = '3', threads = '2'] = process.argv.slice(2);
if (!cp) { process.stderr.write('usage: node read_csv.mjs EVENTS.csv CONVERSIONS.csv CAMPAIGNS.csv [REPEAT] [THREADS]\n'); process.exit(2); }
if (!process.env.POLARS_MAX_THREADS) process.env.POLARS_MAX_THREADS = threads;
const pl = (await import('nodejs-polars')).default;
const specs = [
  [ev, { event_id: pl.UInt64, identity: pl.Utf8, timestamp: pl.Int64, campaign_id: pl.UInt32, kind: pl.Utf8, cost: pl.Float64 }],
  [cv, { conversion_id: pl.UInt64, identity: pl.Utf8, timestamp: pl.Int64, advertiser_id: pl.UInt32, type: pl.Utf8, value: pl.Float64 }],
  [cp, { campaign_id: pl.UInt32, advertiser_id: pl.UInt32, name: pl.Utf8 }],
];
const now = () => Number(process.hrtime.bigint()) / 1e9;
const runs = [];
let rows = [];
for (let k = 0; k < Math.max(1, parseInt(repeat, 10) || 1); k++) {
  const t0 = now();
  const dfs = specs.map(([f, dtypes]) => pl.readCSV(f, { hasHeader: true, dtypes, columns: Object.keys(dtypes) }));
  runs.push(now() - t0);
  rows = dfs.map((d) => d.height);
}
const s = [...runs].sort((a, b) => a - b), m = s.length >> 1;
const med = s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
process.stdout.write(`read_s=${med.toFixed(4)}\nread_runs=${runs.map((x) => x.toFixed(4)).join(',')}\nrows=${rows.join(',')}\n`);
