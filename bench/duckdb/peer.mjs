#!/usr/bin/env node
// attrib DuckDB peer: an independent implementation of attrib's attribution semantics
// (docs/models.md) in SQL on DuckDB, used as a correctness oracle (tests/e2e/peer_duckdb.sh) and
// as the benchmark peer (bench/run_vs_duckdb.sh).
//
// Inputs are the CSV files `attrib export` writes (events, conversions, campaigns) and a
// rules file (docs/rules.md). The rules are parsed and resolved in JS (rules.mjs) into small
// interval tables; all data work (dedup, candidates, priority, models, reports) is SQL.
//
// usage: node peer.mjs --events E.csv --conversions C.csv --campaigns K.csv -c rules.cfg
//                      -o OUTDIR [--period-from MS|DATE] [--period-to MS|DATE] [--model M]
//                      [--links L.csv …] [--max-component N] [--no-stitch]
//                      [--tables LIST|all] [--repeat N] [--threads 2] [--no-write] [--quiet]
//
// Identity graph (cross-device stitching): --links takes the CSV `attrib export in.h5 links`
// writes (columns a, b: identity hashes). The peer computes the connected components
// itself (union-find over dense vertex numbers in JS, not attrib's distributed algorithm),
// replaces, in events and conversions and before dedup, every identity of a component of
// at most --max-component vertices (default 1000) by the component's smallest identity
// hash, leaves larger components and unlinked identities alone, and writes the one-row
// report/identity (links = distinct undirected edges without self links; vertices = the
// hashes named in those edges: a self link is no edge and names no vertex, as import
// drops it; identities_merged + oversize_identities = vertices).
// Without --links, or with --no-stitch, the data are used as they are and report/identity
// is the all-zero row. report/identity is written by default when --links or --no-stitch
// is given, else only when named in --tables.
//
// Timings (stdout, one line each): "load_s=…" (CSV → tables), "query_s=…" (all SQL work on
// the loaded tables, results materialised), "write_s=…" (CSV output). With --repeat N the
// query runs N times and "query_s" is the median, "query_runs=a,b,c" lists every run.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir, totalmem } from 'node:os';
import { loadRules, resolveRules, parseTimestamp, MODELS, RulesError, T_MIN, T_MAX } from './rules.mjs';

const ALL_TABLES = ['credits', 'unattributed', 'report/campaign', 'report/daily', 'report/daily_touch', 'report/advertiser'];
// labels (run --labels) only when named in --tables: they need the candidate pairs of
// every conversion, so they take the pair path.
const KNOWN_TABLES = [...ALL_TABLES, 'labels', 'report/identity'];
const IDENTITY_COLS = ['links', 'vertices', 'components', 'merged_components', 'identities_merged',
  'oversize_components', 'oversize_identities', 'largest_component'];

function usage(msg) {
  if (msg) process.stderr.write(`peer: ${msg}\n`);
  process.stderr.write('usage: node peer.mjs --events E.csv --conversions C.csv --campaigns K.csv -c rules.cfg -o OUTDIR\n' +
    '       [--period-from MS|DATE] [--period-to MS|DATE] [--model M] [--tables credits,report/campaign,labels,…|all]\n' +
    '       [--links L.csv …] [--max-component N] [--no-stitch]\n' +
    '       [--repeat N] [--threads N] [--no-write] [--quiet]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { events: [], conversions: [], campaigns: [], links: [], maxComponent: 1000n, stitch: true, threads: 2, repeat: 1,
    write: true, tables: null, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--events': o.events.push(val()); break;
      case '--conversions': o.conversions.push(val()); break;
      case '--campaigns': o.campaigns.push(val()); break;
      case '--links': o.links.push(val()); break;
      case '--max-component': {
        const v = val();
        if (!/^[0-9]+$/.test(v)) usage(`bad --max-component '${v}'`);
        o.maxComponent = BigInt(v);
        break;
      }
      case '--no-stitch': o.stitch = false; break;
      case '-c': case '--rules': o.rules = val(); break;
      case '-o': case '--out': o.out = val(); break;
      case '--period-from': case '--from': o.from = val(); break;
      case '--period-to': case '--to': o.to = val(); break;
      case '--model': o.model = val(); break;
      case '--tables': { const v = val(); o.tables = v === 'all' ? ALL_TABLES : v.split(',').map((s) => s.replace(/^\//, '')); break; }
      case '--repeat': o.repeat = Math.max(1, parseInt(val(), 10) || 1); break;
      case '--threads': o.threads = parseInt(val(), 10) || 2; break;
      case '--no-write': o.write = false; break;
      case '--quiet': o.quiet = true; break;
      case '-h': case '--help': usage();
      default: usage(`unknown argument '${a}'`);
    }
  }
  if (o.tables === null) o.tables = o.links.length || !o.stitch ? [...ALL_TABLES, 'report/identity'] : ALL_TABLES;
  if (!o.events.length || !o.conversions.length || !o.campaigns.length || !o.rules) usage('missing input');
  if (o.write && !o.out) usage('missing -o OUTDIR (or --no-write)');
  if (o.model && !MODELS.includes(o.model)) usage(`unknown model '${o.model}'`);
  for (const t of o.tables) if (!KNOWN_TABLES.includes(t)) usage(`unknown table '${t}'`);
  for (const k of ['from', 'to']) {
    if (o[k] === undefined) continue;
    const v = parseTimestamp(o[k]);
    if (v === null) usage(`bad --period-${k} '${o[k]}'`);
    o[k] = v;
  }
  return o;
}

const sqlStr = (s) => `'${String(s).replace(/'/g, "''")}'`;
const sqlList = (files) => `[${files.map((f) => sqlStr(resolve(f))).join(', ')}]`;
const sqlInt = (v) => (v === null || v === undefined ? 'NULL' : v.toString());
const now = () => Number(process.hrtime.bigint()) / 1e9;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

// %.17g as attrib export prints floats, NaN as NaN, infinities as inf/-inf.
const fmtF = (col) => `CASE WHEN isnan(${col}) THEN 'NaN' ELSE printf('%.17g', ${col}) END AS ${col}`;

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const log = (s) => { if (!o.quiet) process.stderr.write(`peer: ${s}\n`); };
  let rules;
  try {
    rules = loadRules(readFileSync(o.rules, 'utf8'), o.rules);
  } catch (e) {
    if (e instanceof RulesError) { process.stderr.write(`peer: ${e.message}\n`); process.exit(2); }
    throw e;
  }

  const inst = await DuckDBInstance.create(':memory:', { threads: String(o.threads) });
  const con = await inst.connect();
  const run = (sql) => con.run(sql);
  const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjects();
  await run(`SET threads = ${o.threads}`);
  await run('SET preserve_insertion_order = false');
  // spill rather than die on big joins
  await run(`SET memory_limit = '${process.env.PEER_MEMORY_LIMIT || Math.floor(totalmem() * 0.7 / 2 ** 20) + 'MiB'}'`);
  const tempDir = process.env.PEER_TEMP_DIR || join(tmpdir(), `attrib-peer-${process.pid}`);
  if (!process.env.PEER_TEMP_DIR) process.on('exit', () => rmSync(tempDir, { recursive: true, force: true }));
  await run(`SET temp_directory = ${sqlStr(tempDir)}`);
  await run(`SET max_temp_directory_size = '${process.env.PEER_MAX_TEMP || '8GiB'}'`);

  // ---- load: CSV → tables (columns by name, any order, extra columns ignored) ----
  const t0 = now();
  await run("CREATE TYPE kind_t AS ENUM ('impression', 'engagement', 'nurture')"); // enum order = the dedup kind order (docs/models.md)
  await run("CREATE TYPE reason_t AS ENUM ('no_touch', 'rule_excluded', 'outside_window')");
  // with links to stitch, the raw rows go to ev_in / cv_in and stitch() makes ev / cv
  const stitching = o.links.length > 0 && o.stitch;
  const evT = stitching ? 'ev_in' : 'ev', cvT = stitching ? 'cv_in' : 'cv';
  await run(`CREATE TABLE ${evT} AS SELECT event_id::UBIGINT AS event_id, identity::UBIGINT AS identity, ts::BIGINT AS ts,
      campaign_id::UINTEGER AS campaign_id, kind::kind_t kind, coalesce(cost, 0)::DOUBLE AS cost
    FROM read_csv(${sqlList(o.events)}, header = true, auto_detect = true,
      types = {'event_id': 'UBIGINT', 'identity': 'UBIGINT', 'ts': 'BIGINT', 'campaign_id': 'UINTEGER', 'kind': 'VARCHAR', 'cost': 'DOUBLE'})`);
  await run(`CREATE TABLE ${cvT} AS SELECT conversion_id::UBIGINT AS conversion_id, identity::UBIGINT AS identity, ts::BIGINT AS ts,
      advertiser_id::UINTEGER AS advertiser_id, type::VARCHAR AS type, coalesce(value, 0)::DOUBLE AS value
    FROM read_csv(${sqlList(o.conversions)}, header = true, auto_detect = true,
      types = {'conversion_id': 'UBIGINT', 'identity': 'UBIGINT', 'ts': 'BIGINT', 'advertiser_id': 'UINTEGER', 'type': 'VARCHAR', 'value': 'DOUBLE'})`);
  await run(`CREATE TABLE cp AS SELECT campaign_id::UINTEGER AS campaign_id, advertiser_id::UINTEGER AS advertiser_id, name::VARCHAR AS name
    FROM read_csv(${sqlList(o.campaigns)}, header = true, auto_detect = true,
      types = {'campaign_id': 'UINTEGER', 'advertiser_id': 'UINTEGER', 'name': 'VARCHAR'})`);
  if (stitching)
    await run(`CREATE TABLE lk AS SELECT a::UBIGINT AS a, b::UBIGINT AS b
      FROM read_csv(${sqlList(o.links)}, header = true, auto_detect = true, types = {'a': 'UBIGINT', 'b': 'UBIGINT'})`);
  const loadS = now() - t0;
  const [cnt] = await rows(`SELECT (SELECT count(*) FROM ${evT}) ev, (SELECT count(*) FROM ${cvT}) cv, (SELECT count(*) FROM cp) cp` +
    (stitching ? ', (SELECT count(*) FROM lk) lk' : ''));
  log(`loaded ${cnt.ev} event rows, ${cnt.cv} conversion rows, ${cnt.cp} campaigns` +
      (stitching ? `, ${cnt.lk} link rows` : '') + ` in ${loadS.toFixed(3)} s`);

  // ---- identity graph: stitching, before dedup ----
  // Vertices (the hashes of the non-self links) are numbered 0.. in identity-hash order, so the smallest number of a
  // component is its smallest hash. Union-find (union by smaller root, path halving) on
  // the distinct undirected non-self edges; then components of size <= cap map every
  // member to the root's hash, in events and conversions.
  let identity = Object.fromEntries(IDENTITY_COLS.map((k) => [k, 0n]));
  const stitch = async () => {
    const s0 = now();
    const lap = (what) => { if (process.env.PEER_PROFILE) process.stderr.write(`peer: ${(now() - s0).toFixed(3)} s  stitch: ${what}\n`); };
    await run(`CREATE OR REPLACE TEMP TABLE vtx AS
      SELECT id, (row_number() OVER (ORDER BY id) - 1)::UBIGINT AS i
      FROM (SELECT a AS id FROM lk WHERE a <> b UNION SELECT b FROM lk WHERE a <> b)`);
    await run(`CREATE OR REPLACE TEMP TABLE edges AS
      SELECT DISTINCT least(x.i, y.i) AS u, greatest(x.i, y.i) AS v
      FROM lk JOIN vtx x ON x.id = lk.a JOIN vtx y ON y.id = lk.b WHERE lk.a <> lk.b`);
    lap('vertices, edges');
    const [{ nv }] = await rows('SELECT count(*) AS nv FROM vtx');
    const n = Number(nv);
    const parent = new Int32Array(n);
    for (let i = 0; i < n; i++) parent[i] = i;
    const find = (x) => {
      while (parent[x] !== x) { parent[x] = parent[parent[x]]; x = parent[x]; }
      return x;
    };
    const er = await con.runAndReadAll('SELECT u, v FROM edges');
    const [us = [], vs = []] = er.getColumns(); // no columns at all when there are no rows
    for (let k = 0; k < us.length; k++) {
      const a = find(Number(us[k])), b = find(Number(vs[k]));
      if (a < b) parent[b] = a; else if (b < a) parent[a] = b;
    }
    lap('union-find');
    const root = new Int32Array(n), size = new Float64Array(n);
    for (let i = 0; i < n; i++) { root[i] = find(i); size[root[i]]++; }
    const cap = Number(o.maxComponent > 2n ** 40n ? 2n ** 40n : o.maxComponent);
    const f = { links: BigInt(us.length), vertices: BigInt(n), components: 0n, merged_components: 0n, identities_merged: 0n,
      oversize_components: 0n, oversize_identities: 0n, largest_component: 0n };
    for (let i = 0; i < n; i++) {
      if (root[i] !== i) continue;
      const s = size[i];
      f.components++;
      if (s <= cap) { f.merged_components++; f.identities_merged += BigInt(s); } else { f.oversize_components++; f.oversize_identities += BigInt(s); }
      if (BigInt(s) > f.largest_component) f.largest_component = BigInt(s);
    }
    identity = f;
    log(`identity graph: ${f.links} links, ${f.vertices} vertices, ${f.components} components, ` +
        `${f.merged_components} merged (${f.identities_merged} identities), ${f.oversize_components} over ${o.maxComponent} ` +
        `(${f.oversize_identities} identities), largest ${f.largest_component}`);
    await run('CREATE OR REPLACE TEMP TABLE stitch_ix (i UBIGINT, r UBIGINT)');
    const ap = await con.createAppender('stitch_ix');
    for (let i = 0; i < n; i++) {
      const r = root[i];
      if (r !== i && size[r] <= cap) { ap.appendUBigInt(BigInt(i)); ap.appendUBigInt(BigInt(r)); ap.endRow(); }
    }
    ap.flushSync();
    ap.closeSync();
    lap('map appended');
    await run(`CREATE OR REPLACE TEMP TABLE idmap AS
      SELECT x.id AS id, y.id AS to_id FROM stitch_ix s JOIN vtx x ON x.i = s.i JOIN vtx y ON y.i = s.r`);
    await run(`CREATE OR REPLACE TABLE ev AS SELECT e.event_id, coalesce(m.to_id, e.identity) AS identity, e.ts, e.campaign_id, e.kind, e.cost
      FROM ev_in e LEFT JOIN idmap m ON m.id = e.identity`);
    await run(`CREATE OR REPLACE TABLE cv AS SELECT c.conversion_id, coalesce(m.to_id, c.identity) AS identity, c.ts, c.advertiser_id, c.type, c.value
      FROM cv_in c LEFT JOIN idmap m ON m.id = c.identity`);
    lap('events and conversions rewritten');
  };

  // The campaign catalog is small: read it to resolve the rules per campaign.
  const catalog = (await rows('SELECT campaign_id, advertiser_id FROM cp ORDER BY campaign_id'))
    .map((r) => ({ campaign_id: Number(r.campaign_id), advertiser_id: Number(r.advertiser_id) }));
  const ids = new Set();
  for (const c of catalog) {
    if (ids.has(c.campaign_id)) { process.stderr.write(`peer: campaigns: duplicate campaign_id ${c.campaign_id}\n`); process.exit(2); }
    ids.add(c.campaign_id);
  }
  const { advRows, campRows } = resolveRules(rules, catalog, o.model);
  const models = new Set(advRows.map((r) => r.model));
  const KINDS_SQL = ['impression', 'engagement', 'nurture'];
  const maxLbKind = { impression: null, engagement: null, nurture: null };
  for (const r of campRows)
    for (const [k, c] of [['impression', 'lb_imp'], ['engagement', 'lb_eng'], ['nurture', 'lb_nur']])
      if (r[c] !== null && (maxLbKind[k] === null || r[c] > maxLbKind[k])) maxLbKind[k] = r[c];

  const pFrom = o.from ?? T_MIN, pTo = o.to ?? T_MAX;
  const inPeriod = (col) => (o.from === undefined && o.to === undefined ? 'TRUE'
    : `${col} >= ${sqlInt(pFrom)} AND ${col} < ${sqlInt(pTo)}`);
  const want = new Set(o.tables);
  const needUnattr = want.has('unattributed') || want.has('report/advertiser');

  // Model shares. pos/n after engagement priority; zero shares are dropped afterwards.
  const posShare = `CASE WHEN n = 1 THEN 1.0
      WHEN n = 2 THEN CASE WHEN pfirst + plast = 0 THEN 0.5 WHEN pos = 1 THEN pfirst / (pfirst + plast) ELSE plast / (pfirst + plast) END
      WHEN pos = 1 THEN pfirst WHEN pos = n THEN plast
      WHEN pfirst + plast >= 1 THEN 0.0
      ELSE (1.0 - pfirst - plast) / (n - 2) END`;
  // When every advertiser's model is last_touch or first_touch, one credit row per
  // conversion: an aggregate per conversion (count, arg_max/arg_min of (ts, event_id))
  // instead of numbering every candidate with window functions.
  const lfOnly = models.size > 0 && [...models].every((m) => m === 'last_touch' || m === 'first_touch');
  const TOUCH = "{'e': event_id, 'c': campaign_id, 'k': kind, 't': touch_ts, 'r': rule_version}";
  const lastFirstCredits = `CREATE OR REPLACE TEMP TABLE credits AS
       WITH p AS (
         SELECT x.*, a.model, a.prio
         FROM cand x JOIN adv_rules a ON a.advertiser_id = x.advertiser_id AND x.conv_ts >= a.vfrom AND x.conv_ts < a.vto
       ), g AS (
         SELECT conversion_id, advertiser_id, identity, any_value(conv_ts) AS conv_ts, any_value(value) AS value,
                any_value(model) AS model, bool_or(prio AND kind = 'engagement') AS eng_only,
                count(*) AS n_all, count(*) FILTER (WHERE kind = 'engagement') AS n_eng,
                arg_max(${TOUCH}, (touch_ts, event_id)) AS last_all,
                arg_max(${TOUCH}, (touch_ts, event_id)) FILTER (WHERE kind = 'engagement') AS last_eng,
                arg_min(${TOUCH}, (touch_ts, event_id)) AS first_all,
                arg_min(${TOUCH}, (touch_ts, event_id)) FILTER (WHERE kind = 'engagement') AS first_eng
         FROM p GROUP BY conversion_id, advertiser_id, identity
       ), s AS (
         SELECT g.*, CASE WHEN eng_only THEN n_eng ELSE n_all END AS n,
                CASE WHEN model = 'last_touch' THEN (CASE WHEN eng_only THEN last_eng ELSE last_all END)
                     ELSE (CASE WHEN eng_only THEN first_eng ELSE first_all END) END AS t
         FROM g
       )
       SELECT conversion_id, advertiser_id, identity, conv_ts, value, t.e AS event_id, t.c AS campaign_id,
              t.k AS kind, t.t AS touch_ts,
              (CASE WHEN model = 'last_touch' THEN n ELSE 1 END)::UINTEGER AS position, n::UINTEGER AS path_length,
              1.0::DOUBLE AS credit, 1.0::DOUBLE * value AS credited_value, t.r AS rule_version
       FROM s`;
  const creditExpr = `CASE model
      WHEN 'last_touch' THEN CASE WHEN pos = n THEN 1.0 ELSE 0.0 END
      WHEN 'first_touch' THEN CASE WHEN pos = 1 THEN 1.0 ELSE 0.0 END
      WHEN 'linear' THEN 1.0 / n
      ${models.has('time_decay') ? "WHEN 'time_decay' THEN w / sum(w) OVER conv" : ''}
      ELSE ${posShare} END`;

  const stage1 = [
    // resolved rules (docs/rules.md) as interval tables; [vfrom, vto) in conversion time
    `CREATE OR REPLACE TEMP TABLE adv_rules (advertiser_id UINTEGER, vfrom BIGINT, vto BIGINT, model VARCHAR,
       prio BOOLEAN, half_life DOUBLE, pfirst DOUBLE, plast DOUBLE)`,
    advRows.length ? `INSERT INTO adv_rules VALUES ${advRows.map((r) =>
      `(${r.advertiser_id}, ${sqlInt(r.vfrom)}, ${sqlInt(r.vto)}, ${sqlStr(r.model)}, ${r.prio}, ${sqlInt(r.half_life_ms)}, ${r.first}, ${r.last})`).join(',\n')}` : null,
    `CREATE OR REPLACE TEMP TABLE camp_rules (campaign_id UINTEGER, vfrom BIGINT, vto BIGINT,
       lb_imp BIGINT, lb_eng BIGINT, lb_nur BIGINT, all_types BOOLEAN, types VARCHAR[], rule_version UINTEGER)`,
    campRows.length ? `INSERT INTO camp_rules VALUES ${campRows.map((r) =>
      `(${r.campaign_id}, ${sqlInt(r.vfrom)}, ${sqlInt(r.vto)}, ${sqlInt(r.lb_imp)}, ${sqlInt(r.lb_eng)}, ${sqlInt(r.lb_nur)}, ${r.types.length === 0},
        [${r.types.map(sqlStr).join(', ')}]::VARCHAR[], ${r.rule_version})`).join(',\n')}` : null,

    // dedup of touches (docs/models.md): per (identity, event_id) keep the smallest
    // (ts, campaign_id, kind, cost); tot = rows of the group (exact copies are counted
    // only for report/advertiser, below)
    `CREATE OR REPLACE TEMP TABLE td_all AS SELECT identity, event_id, ts, campaign_id, kind, cost,
         count(*) OVER (PARTITION BY identity, event_id) AS tot
       FROM ev
       QUALIFY row_number() OVER (PARTITION BY identity, event_id ORDER BY ts, campaign_id, kind, cost) = 1`,
    // touches of catalog campaigns (others are ignored by run, docs/conventions.md)
    `CREATE OR REPLACE TEMP TABLE td AS SELECT t.identity, t.event_id, t.ts, t.campaign_id, t.kind, t.cost, k.advertiser_id
       FROM td_all t JOIN cp k USING (campaign_id)`,
    // conversions: per (identity, advertiser_id, conversion_id) keep the earliest ts, then type name, then value
    `CREATE OR REPLACE TEMP TABLE cd AS SELECT identity, advertiser_id, conversion_id, ts, type, value,
         count(*) OVER (PARTITION BY identity, advertiser_id, conversion_id) AS tot
       FROM cv
       QUALIFY row_number() OVER (PARTITION BY identity, advertiser_id, conversion_id ORDER BY ts, type, value) = 1`,
    // the period (docs/models.md)
    `CREATE OR REPLACE TEMP TABLE cpd AS SELECT identity, advertiser_id, conversion_id, ts, type, value FROM cd
       WHERE ${inPeriod('ts')}`,
    // last_touch / first_touch conversions (advertiser model at c.ts) take the rank path
    // below, which never materialises (conversion, touch) pairs; the others the pair path.
    `CREATE OR REPLACE TEMP TABLE cpd_m AS SELECT c.*, a.model, a.prio FROM cpd c
       LEFT JOIN adv_rules a ON a.advertiser_id = c.advertiser_id AND c.ts >= a.vfrom AND c.ts < a.vto`,
  ].filter(Boolean);
  const stage2 = () => [
    `CREATE OR REPLACE TEMP TABLE cpd_pairs AS SELECT identity, advertiser_id, conversion_id, ts, type, value FROM cpd_m
       WHERE ${rankPath ? "model IS NULL OR model NOT IN ('last_touch', 'first_touch')" : 'TRUE'}`,
    // candidates (docs/models.md): same identity and advertiser, rule version of the touch's campaign
    // in force at c.ts, kind not off, type allowed, 0 <= c.ts - t.ts <= L
    // (two steps, so that the planner cannot cross conversions with rule intervals)
    // one join per kind, each bounded by that kind's longest lookback (impressions: short)
    `CREATE OR REPLACE TEMP TABLE pairs AS
       ${KINDS_SQL.filter((k) => maxLbKind[k] !== null).map((k) => `SELECT c.identity, c.advertiser_id, c.conversion_id, c.ts AS conv_ts, c.value, c.type,
              t.event_id, t.campaign_id, t.kind, t.ts AS touch_ts
       FROM cpd_pairs c
       JOIN td t ON t.identity = c.identity AND t.advertiser_id = c.advertiser_id AND t.kind = '${k}'
                AND t.ts <= c.ts AND t.ts >= c.ts - ${maxLbKind[k]}`).join('\n       UNION ALL ') ||
       'SELECT NULL::UBIGINT AS identity, NULL::UINTEGER AS advertiser_id, NULL::UBIGINT AS conversion_id, NULL::BIGINT AS conv_ts, NULL::DOUBLE AS value, NULL::VARCHAR AS type, NULL::UBIGINT AS event_id, NULL::UINTEGER AS campaign_id, NULL::kind_t AS kind, NULL::BIGINT AS touch_ts LIMIT 0'}`,
    `CREATE OR REPLACE TEMP TABLE cand AS
       SELECT x.identity, x.advertiser_id, x.conversion_id, x.conv_ts, x.value,
              x.event_id, x.campaign_id, x.kind, x.touch_ts, r.rule_version
       FROM pairs x
       JOIN camp_rules r ON r.campaign_id = x.campaign_id AND x.conv_ts >= r.vfrom AND x.conv_ts < r.vto
       WHERE x.conv_ts - x.touch_ts <= CASE x.kind WHEN 'impression' THEN r.lb_imp WHEN 'engagement' THEN r.lb_eng ELSE r.lb_nur END
         AND (r.all_types OR list_contains(r.types, x.type))`,
    // engagement priority, order, models (docs/models.md)
    lfOnly ? lastFirstCredits : `CREATE OR REPLACE TEMP TABLE credits AS
       WITH p AS (
         SELECT x.*, a.model, a.half_life, a.pfirst, a.plast
         FROM cand x JOIN adv_rules a ON a.advertiser_id = x.advertiser_id AND x.conv_ts >= a.vfrom AND x.conv_ts < a.vto
         QUALIFY NOT (a.prio AND x.kind <> 'engagement'
                      AND bool_or(x.kind = 'engagement') OVER (PARTITION BY x.identity, x.advertiser_id, x.conversion_id))
       ), q AS (
         SELECT p.*,
           row_number() OVER (PARTITION BY identity, advertiser_id, conversion_id ORDER BY touch_ts, event_id) AS pos,
           count(*) OVER (PARTITION BY identity, advertiser_id, conversion_id) AS n
           ${models.has('time_decay') ? `, CASE WHEN model = 'time_decay' THEN pow(2.0, -((conv_ts - touch_ts) - min(conv_ts - touch_ts) OVER (PARTITION BY identity, advertiser_id, conversion_id))::DOUBLE / half_life) END AS w` : ''}
         FROM p
       ), s AS (
         SELECT q.*, ${creditExpr} AS credit FROM q
         WINDOW conv AS (PARTITION BY identity, advertiser_id, conversion_id)
       )
       SELECT conversion_id, advertiser_id, identity, conv_ts, value, event_id, campaign_id, kind, touch_ts,
              pos::UINTEGER AS position, n::UINTEGER AS path_length, credit, credit * value AS credited_value, rule_version
       FROM s WHERE credit > 0`,
    ...(rankPath ? [
      // Rank path (last_touch, first_touch). Within one segment of conversion time (between
      // rule breakpoints) each campaign has one rule; campaigns with equal rules form a
      // class. Touches are numbered (idx) per (identity, advertiser, segment, class, kind)
      // in (ts, event_id) order; for a conversion, the candidates of a group are the idx
      // in (lo, hi]: hi = last idx with ts <= c.ts, lo = last idx with ts < c.ts - L
      // (two ASOF joins). n = Σ(hi - lo); the last candidate is the best idx hi, the first
      // the best lo + 1.
      `CREATE OR REPLACE TEMP TABLE segs AS SELECT vfrom AS sfrom, lead(vfrom, 1, ${T_MAX}) OVER (ORDER BY vfrom) AS sto
         FROM (SELECT DISTINCT vfrom FROM camp_rules)`,
      `CREATE OR REPLACE TEMP TABLE camp_seg AS
         SELECT r.campaign_id, k.advertiser_id, s.sfrom, r.lb_imp, r.lb_eng, r.lb_nur, r.all_types, r.types,
                dense_rank() OVER (ORDER BY r.lb_imp, r.lb_eng, r.lb_nur, r.all_types, r.types) AS cls
         FROM camp_rules r JOIN segs s ON s.sfrom >= r.vfrom AND s.sfrom < r.vto JOIN cp k USING (campaign_id)`,
      `CREATE OR REPLACE TEMP TABLE cls_kind AS
         SELECT DISTINCT advertiser_id, sfrom, cls, kind, L, all_types, types FROM (
           SELECT advertiser_id, sfrom, cls, 'impression'::kind_t AS kind, lb_imp AS L, all_types, types FROM camp_seg
           UNION ALL SELECT advertiser_id, sfrom, cls, 'engagement'::kind_t, lb_eng, all_types, types FROM camp_seg
           UNION ALL SELECT advertiser_id, sfrom, cls, 'nurture'::kind_t, lb_nur, all_types, types FROM camp_seg)
         WHERE L IS NOT NULL`,
      `CREATE OR REPLACE TEMP TABLE tg AS
         SELECT t.identity, t.advertiser_id, cs.sfrom, cs.cls, t.kind, t.ts, t.event_id, t.campaign_id,
                row_number() OVER (PARTITION BY t.identity, t.advertiser_id, cs.sfrom, cs.cls, t.kind ORDER BY t.ts, t.event_id) AS idx
         FROM td t JOIN camp_seg cs USING (campaign_id)`,
      `CREATE OR REPLACE TEMP TABLE tg_ts AS
         SELECT identity, advertiser_id, sfrom, cls, kind, ts, max(idx) AS top FROM tg GROUP BY ALL`,
      `CREATE OR REPLACE TEMP TABLE cq AS
         SELECT c.identity, c.advertiser_id, c.conversion_id, c.ts, c.value, c.model, c.prio, k.sfrom, k.cls, k.kind, c.ts - k.L - 1 AS lo_ts
         FROM cpd_m c JOIN segs s ON c.ts >= s.sfrom AND c.ts < s.sto
         JOIN cls_kind k ON k.advertiser_id = c.advertiser_id AND k.sfrom = s.sfrom AND (k.all_types OR list_contains(k.types, c.type))
         WHERE c.model IN ('last_touch', 'first_touch')`,
      `CREATE OR REPLACE TEMP TABLE cq_hi AS
         SELECT q.*, g.top AS hi FROM cq q ASOF JOIN tg_ts g
           ON g.identity = q.identity AND g.advertiser_id = q.advertiser_id AND g.sfrom = q.sfrom AND g.cls = q.cls
          AND g.kind = q.kind AND g.ts <= q.ts`,
      `CREATE OR REPLACE TEMP TABLE cq_cnt AS
         SELECT q.*, coalesce(g.top, 0) AS lo FROM cq_hi q ASOF LEFT JOIN tg_ts g
           ON g.identity = q.identity AND g.advertiser_id = q.advertiser_id AND g.sfrom = q.sfrom AND g.cls = q.cls
          AND g.kind = q.kind AND g.ts <= q.lo_ts`,
      `CREATE OR REPLACE TEMP TABLE credits_lf AS
         WITH x AS (
           SELECT * FROM cq_cnt WHERE hi > lo
           QUALIFY NOT (prio AND kind <> 'engagement'
                        AND bool_or(kind = 'engagement') OVER (PARTITION BY identity, advertiser_id, conversion_id))
         ), y AS (
           SELECT x.*, sum(hi - lo) OVER (PARTITION BY identity, advertiser_id, conversion_id) AS n,
                  CASE WHEN model = 'last_touch' THEN hi ELSE lo + 1 END AS pick
           FROM x
         ), z AS (
           SELECT y.identity, y.advertiser_id, y.conversion_id, y.ts AS conv_ts, y.value, y.model, y.n,
                  t.event_id, t.campaign_id, t.kind, t.ts AS touch_ts
           FROM y JOIN tg t ON t.identity = y.identity AND t.advertiser_id = y.advertiser_id AND t.sfrom = y.sfrom
                           AND t.cls = y.cls AND t.kind = y.kind AND t.idx = y.pick
           QUALIFY row_number() OVER (PARTITION BY y.identity, y.advertiser_id, y.conversion_id
             ORDER BY CASE WHEN y.model = 'first_touch' THEN t.ts END ASC NULLS LAST,
                      CASE WHEN y.model = 'first_touch' THEN t.event_id END ASC NULLS LAST,
                      t.ts DESC, t.event_id DESC) = 1
         )
         SELECT z.conversion_id, z.advertiser_id, z.identity, z.conv_ts, z.value, z.event_id, z.campaign_id, z.kind, z.touch_ts,
                (CASE WHEN z.model = 'last_touch' THEN z.n ELSE 1 END)::UINTEGER AS position, z.n::UINTEGER AS path_length,
                1.0::DOUBLE AS credit, z.value AS credited_value, r.rule_version
         FROM z JOIN camp_rules r ON r.campaign_id = z.campaign_id AND z.conv_ts >= r.vfrom AND z.conv_ts < r.vto`,
      'INSERT INTO credits SELECT * FROM credits_lf'] : []),

    // labels (docs/formats.md, /labels): every deduplicated catalog touch of the period;
    // candidate_of and the earliest conversion from cand (before priority), eligible_of
    // after priority, the credit sums from credits
    ...(want.has('labels') ? [`CREATE OR REPLACE TEMP TABLE labels AS
       WITH c AS (
         SELECT identity, event_id, count(*) AS cand, min(conv_ts - touch_ts) AS next_ms FROM cand GROUP BY ALL
       ), e AS (
         SELECT identity, event_id, count(*) AS elig FROM (
           SELECT x.identity, x.event_id FROM cand x
           JOIN adv_rules a ON a.advertiser_id = x.advertiser_id AND x.conv_ts >= a.vfrom AND x.conv_ts < a.vto
           QUALIFY NOT (a.prio AND x.kind <> 'engagement'
                        AND bool_or(x.kind = 'engagement') OVER (PARTITION BY x.identity, x.advertiser_id, x.conversion_id)))
         GROUP BY ALL
       ), k AS (
         SELECT identity, event_id, count(*) AS cred, sum(credit) AS credit, sum(credited_value) AS cvalue FROM credits GROUP BY ALL
       )
       SELECT t.event_id, t.identity, t.campaign_id, t.advertiser_id, t.kind, t.ts, t.cost,
              coalesce(c.cand, 0)::UINTEGER AS candidate_of, coalesce(e.elig, 0)::UINTEGER AS eligible_of,
              coalesce(k.cred, 0)::UINTEGER AS credited_of, coalesce(k.credit, 0.0) AS credit,
              coalesce(k.cvalue, 0.0) AS credited_value, coalesce(c.next_ms, -1)::BIGINT AS ms_to_next_conversion
       FROM td t LEFT JOIN c USING (identity, event_id) LEFT JOIN e USING (identity, event_id)
         LEFT JOIN k USING (identity, event_id)
       WHERE ${inPeriod('t.ts')}`] : []),

    // report/campaign (docs/conventions.md)
    `CREATE OR REPLACE TEMP TABLE r_touch AS
       SELECT campaign_id, count(*) FILTER (kind = 'impression') AS impressions,
              count(*) FILTER (kind = 'engagement') AS engagements, count(*) FILTER (kind = 'nurture') AS nurtures,
              count(DISTINCT identity) AS reach, sum(cost) AS cost
       FROM td WHERE ${inPeriod('ts')} GROUP BY campaign_id`,
    `CREATE OR REPLACE TEMP TABLE r_cred AS
       SELECT campaign_id, sum(credit) AS conversions, sum(credited_value) AS value, count(*) AS credited_touches,
              sum(credit * (conv_ts - touch_ts) / 1000.0) AS ttc
       FROM credits GROUP BY campaign_id`,
    `CREATE OR REPLACE TEMP TABLE report_campaign AS
       SELECT k.campaign_id, k.advertiser_id,
              coalesce(t.impressions, 0)::UBIGINT AS impressions, coalesce(t.engagements, 0)::UBIGINT AS engagements,
              coalesce(t.nurtures, 0)::UBIGINT AS nurtures, coalesce(t.reach, 0)::UBIGINT AS reach,
              coalesce(t.cost, 0.0) AS cost, coalesce(c.conversions, 0.0) AS conversions, coalesce(c.value, 0.0) AS value,
              coalesce(c.credited_touches, 0)::UBIGINT AS credited_touches,
              CASE WHEN coalesce(c.conversions, 0) = 0 THEN 'NaN'::DOUBLE ELSE c.ttc / c.conversions END AS mean_time_to_convert_s,
              CASE WHEN coalesce(t.cost, 0) = 0 THEN 'NaN'::DOUBLE ELSE coalesce(c.value, 0.0) / t.cost END AS roas
       FROM cp k LEFT JOIN r_touch t USING (campaign_id) LEFT JOIN r_cred c USING (campaign_id)`,
    ...(want.has('report/daily') ? [`CREATE OR REPLACE TEMP TABLE report_daily AS
       SELECT campaign_id, strftime(epoch_ms(conv_ts)::DATE, '%Y-%m-%d') AS day, sum(credit) AS conversions, sum(credited_value) AS value
       FROM credits GROUP BY ALL`] : []),
    ...(want.has('report/daily_touch') ? [`CREATE OR REPLACE TEMP TABLE report_daily_touch AS
       SELECT campaign_id, strftime(epoch_ms(touch_ts)::DATE, '%Y-%m-%d') AS day, sum(credit) AS conversions, sum(credited_value) AS value
       FROM credits GROUP BY ALL`] : []),
    // unattributed (docs/models.md): reason from the touches of the identity for the advertiser at or before c.ts
    ...(needUnattr ? [
      // every conversion with a candidate has a credit row (some share is > 0)
      `CREATE OR REPLACE TEMP TABLE un0 AS SELECT c.* FROM cpd c
         ANTI JOIN (SELECT DISTINCT identity, advertiser_id, conversion_id FROM credits) x USING (identity, advertiser_id, conversion_id)`,
      // a touch at or before c.ts exists for (campaign, kind) iff the earliest one is
      `CREATE OR REPLACE TEMP TABLE t_first AS
         SELECT identity, advertiser_id, campaign_id, kind, min(ts) AS ts FROM td
         WHERE (identity, advertiser_id) IN (SELECT (identity, advertiser_id) FROM un0) GROUP BY ALL`,
      `CREATE OR REPLACE TEMP TABLE un_pairs AS
         SELECT u.identity, u.advertiser_id, u.conversion_id, u.ts, u.type, t.campaign_id, t.kind
         FROM un0 u JOIN t_first t ON t.identity = u.identity AND t.advertiser_id = u.advertiser_id AND t.ts <= u.ts`,
      `CREATE OR REPLACE TEMP TABLE unattributed AS
         WITH m AS (
           SELECT x.identity, x.advertiser_id, x.conversion_id,
                  bool_or((CASE x.kind WHEN 'impression' THEN r.lb_imp WHEN 'engagement' THEN r.lb_eng ELSE r.lb_nur END) IS NOT NULL
                          AND (r.all_types OR list_contains(r.types, x.type))) AS any_ok
           FROM un_pairs x JOIN camp_rules r ON r.campaign_id = x.campaign_id AND x.ts >= r.vfrom AND x.ts < r.vto
           GROUP BY ALL
         )
         SELECT u.conversion_id, u.advertiser_id, u.identity, u.ts AS conv_ts, u.value,
                (CASE WHEN m.any_ok IS NULL THEN 'no_touch' WHEN m.any_ok THEN 'outside_window' ELSE 'rule_excluded' END)::reason_t AS reason
         FROM un0 u LEFT JOIN m USING (identity, advertiser_id, conversion_id)`] : []),
    ...(want.has('report/advertiser') ? [`CREATE OR REPLACE TEMP TABLE report_advertiser AS
       WITH advs AS (SELECT advertiser_id FROM cp UNION SELECT advertiser_id FROM cv),
       conv AS (SELECT advertiser_id, count(*) AS conversions FROM cpd GROUP BY ALL),
       att AS (SELECT advertiser_id, count(*) AS attributed FROM (SELECT DISTINCT identity, advertiser_id, conversion_id FROM credits) GROUP BY ALL),
       un AS (SELECT advertiser_id, count(*) FILTER (reason = 'no_touch') AS nt, count(*) FILTER (reason = 'rule_excluded') AS re,
                     count(*) FILTER (reason = 'outside_window') AS ow FROM unattributed GROUP BY ALL),
       -- dropped duplicates, and those not exact copies of the kept row (whole input)
       tdup AS (SELECT * FROM td_all WHERE tot > 1),
       texact AS (SELECT d.identity, d.event_id, count(*) AS c_exact FROM ev e JOIN tdup d
                    ON e.identity = d.identity AND e.event_id = d.event_id AND e.ts = d.ts AND e.campaign_id = d.campaign_id
                   AND e.kind = d.kind AND e.cost IS NOT DISTINCT FROM d.cost GROUP BY ALL),
       dt AS (SELECT k.advertiser_id, sum(t.tot - 1) AS d, sum(t.tot - x.c_exact) AS di
              FROM tdup t JOIN texact x USING (identity, event_id) JOIN cp k USING (campaign_id) GROUP BY ALL),
       cdup AS (SELECT * FROM cd WHERE tot > 1),
       cexact AS (SELECT d.identity, d.advertiser_id, d.conversion_id, count(*) AS c_exact FROM cv e JOIN cdup d
                    ON e.identity = d.identity AND e.advertiser_id = d.advertiser_id AND e.conversion_id = d.conversion_id
                   AND e.ts = d.ts AND e.type = d.type AND e.value IS NOT DISTINCT FROM d.value GROUP BY ALL),
       dc AS (SELECT advertiser_id, sum(t.tot - 1) AS d, sum(t.tot - x.c_exact) AS di
              FROM cdup t JOIN cexact x USING (identity, advertiser_id, conversion_id) GROUP BY ALL)
       SELECT a.advertiser_id, coalesce(conv.conversions, 0)::UBIGINT AS conversions, coalesce(att.attributed, 0)::UBIGINT AS attributed,
              coalesce(un.nt, 0)::UBIGINT AS unattributed_no_touch, coalesce(un.re, 0)::UBIGINT AS unattributed_rule_excluded,
              coalesce(un.ow, 0)::UBIGINT AS unattributed_outside_window,
              coalesce(dt.d, 0)::UBIGINT AS duplicate_touches, coalesce(dt.di, 0)::UBIGINT AS duplicate_touches_inexact,
              coalesce(dc.d, 0)::UBIGINT AS duplicate_conversions, coalesce(dc.di, 0)::UBIGINT AS duplicate_conversions_inexact
       FROM advs a LEFT JOIN conv USING (advertiser_id) LEFT JOIN att USING (advertiser_id) LEFT JOIN un USING (advertiser_id)
         LEFT JOIN dt USING (advertiser_id) LEFT JOIN dc USING (advertiser_id)`] : []),
  ].filter(Boolean);

  // Path for last_touch / first_touch: the rank path costs O(touches log touches), the
  // pair path O(pairs); take the rank path when the pairs could be many (heavy identities).
  // PEER_PATH=rank|pairs forces one.
  let rankPath = false;
  const choosePath = async () => {
    const mode = want.has('labels') ? 'pairs' : process.env.PEER_PATH || 'auto';
    if (!(models.has('last_touch') || models.has('first_touch')) || mode === 'pairs') return false;
    if (mode === 'rank') return true;
    const [e] = await rows(`SELECT coalesce(sum(t.n * c.m), 0)::DOUBLE AS pairs, (SELECT count(*) FROM td)::DOUBLE AS touches
      FROM (SELECT identity, advertiser_id, count(*) AS n FROM td GROUP BY ALL) t
      JOIN (SELECT identity, advertiser_id, count(*) AS m FROM cpd_m WHERE model IN ('last_touch', 'first_touch') GROUP BY ALL) c
      USING (identity, advertiser_id)`);
    log(`pairs bound ${e.pairs} for ${e.touches} touches`);
    return e.pairs > Math.max(2e7, 5 * e.touches);
  };
  const runAll = async (sqls) => {
    for (const sql of sqls) {
      const s0 = now();
      await run(sql);
      if (process.env.PEER_PROFILE) process.stderr.write(`peer: ${(now() - s0).toFixed(3)} s  ${sql.replace(/\s+/g, ' ').slice(0, 90)}\n`);
    }
  };

  const times = [];
  for (let k = 0; k < o.repeat; k++) {
    const q0 = now();
    if (stitching) await stitch();
    await runAll(stage1);
    rankPath = await choosePath();
    await runAll(stage2());
    times.push(now() - q0);
  }
  const queryS = median(times);
  const [st] = await rows(`SELECT (SELECT count(*) FROM credits) credits, (SELECT count(*) FROM cpd) conversions,
      (SELECT count(DISTINCT (identity, advertiser_id, conversion_id)) FROM credits) attributed`);
  log(`attributed ${st.attributed} of ${st.conversions} conversions, ${st.credits} credit rows; query ${queryS.toFixed(3)} s` +
      (o.repeat > 1 ? ` (median of ${o.repeat})` : '') + (rankPath ? ', rank path' : ', pair path'));

  // ---- write: CSV like `attrib export` ----
  let writeS = 0;
  if (o.write) {
    const w0 = now();
    mkdirSync(o.out, { recursive: true });
    const out = (t) => sqlStr(join(resolve(o.out), `${t.replace('/', '_')}.csv`));
    const copy = (t, sel) => run(`COPY (${sel}) TO ${out(t)} (HEADER, DELIMITER ',')`);
    if (want.has('credits'))
      await copy('credits', `SELECT conversion_id, advertiser_id, identity, conv_ts, ${fmtF('value')}, event_id, campaign_id, kind,
          touch_ts, position, path_length, ${fmtF('credit')}, ${fmtF('credited_value')}, rule_version
        FROM credits ORDER BY conversion_id, advertiser_id, event_id, identity`);
    if (want.has('unattributed'))
      await copy('unattributed', `SELECT conversion_id, advertiser_id, identity, conv_ts, ${fmtF('value')}, reason
        FROM unattributed ORDER BY conversion_id, advertiser_id, identity`);
    if (want.has('report/campaign'))
      await copy('report/campaign', `SELECT campaign_id, advertiser_id, impressions, engagements, nurtures, reach, ${fmtF('cost')},
          ${fmtF('conversions')}, ${fmtF('value')}, credited_touches, ${fmtF('mean_time_to_convert_s')}, ${fmtF('roas')}
        FROM report_campaign ORDER BY campaign_id`);
    for (const t of ['report/daily', 'report/daily_touch'])
      if (want.has(t))
        await copy(t, `SELECT campaign_id, day, ${fmtF('conversions')}, ${fmtF('value')} FROM ${t.replace('/', '_')} ORDER BY campaign_id, day`);
    if (want.has('report/advertiser'))
      await copy('report/advertiser', 'SELECT * FROM report_advertiser ORDER BY advertiser_id');
    if (want.has('report/identity'))
      await copy('report/identity', `SELECT ${IDENTITY_COLS.map((k) => `${identity[k]}::UBIGINT AS ${k}`).join(', ')}`);
    if (want.has('labels'))
      await copy('labels', `SELECT event_id, identity, campaign_id, advertiser_id, kind, ts, ${fmtF('cost')}, candidate_of,
          eligible_of, credited_of, ${fmtF('credit')}, ${fmtF('credited_value')}, ms_to_next_conversion
        FROM labels ORDER BY event_id, identity`);
    writeS = now() - w0;
  }
  process.stdout.write(`load_s=${loadS.toFixed(4)}\nquery_s=${queryS.toFixed(4)}\n` +
    (o.repeat > 1 ? `query_runs=${times.map((x) => x.toFixed(4)).join(',')}\n` : '') +
    `write_s=${writeS.toFixed(4)}\n`);
}

main().catch((e) => { process.stderr.write(`peer: ${e.stack || e}\n`); process.exit(3); });
