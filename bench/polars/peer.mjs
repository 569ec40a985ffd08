#!/usr/bin/env node
// attrib Polars peer: an independent implementation of attrib's attribution semantics
// (docs/models.md, docs/formats.md) on Polars DataFrames (nodejs-polars), the second
// benchmark peer beside the DuckDB one (bench/README.md) and a second oracle
// (tests/e2e/peer_polars.sh).
//
// Inputs, outputs and timings are those of bench/duckdb/peer.mjs: the CSV files
// `attrib export` writes (events, conversions, campaigns), a rules file (docs/rules.md,
// parsed and resolved by bench/duckdb/rules.mjs, imported), the tables as
// OUTDIR/<table with / as _>.csv with attrib's headers. Not supported: --links (the
// identity graph) and /labels.
//
// usage: node peer.mjs --events E.csv --conversions C.csv --campaigns K.csv -c rules.cfg
//                      -o OUTDIR [--period-from MS|DATE] [--period-to MS|DATE] [--model M]
//                      [--tables LIST|all] [--repeat N] [--threads 2] [--no-write] [--quiet] [--stats]
//
// Timings (stdout, one line each): "load_s=…" (CSV → DataFrames), "query_s=…" (all work on
// the loaded DataFrames, every wanted table materialised, unsorted), "write_s=…" (sort and
// CSV output). With --repeat N the query runs N times, "query_s" is the median and
// "query_runs=a,b,c" lists every run. --threads N sets POLARS_MAX_THREADS (default 2)
// unless it is already in the environment. Run it as `node --expose-gc peer.mjs` for
// --repeat: each run's memory is then collected before the next. --stats also prints the input's shape
// (identities=, busiest_identity_rows=, busiest_share= of the event rows; not timed).
//
// How it computes (no (conversion, touch) pairs are formed beyond the candidates):
// conversion time is cut into segments at every effective_from of the rules; campaigns
// of one advertiser whose rules (lookback per kind, conversion types) are the same in
// every segment share a profile, and (profile, kind) is a touch group pk. For a
// conversion c and each pk whose rule in c's segment has a lookback L and admits c's
// type, the group's candidates are its touches with ts in [c.ts − L, c.ts]. One sort of
// the touches together with two query rows per (c, pk) (at c.ts and at c.ts − L − 1) by
// (identity, pk, time, event_id) gives, by a running count down each group, every
// touch's idx (1-based, (ts, event_id) order) and each query's count of touches at or
// before it: hi and lo, the candidates being the idx in (lo, hi]. last_touch takes the
// touch just before the hi row (forward fill) of the group where it is latest,
// first_touch the touch just after the lo row (backward fill) where it is earliest, n =
// Σ (hi − lo) after engagement priority; the other models expand (lo, hi] into rows and
// join the touches by idx.
import { readFileSync, mkdirSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules, resolveRules, parseTimestamp, MODELS, RulesError, T_MIN, T_MAX } from '../duckdb/rules.mjs';

const ALL_TABLES = ['credits', 'unattributed', 'report/campaign', 'report/daily', 'report/daily_touch', 'report/advertiser'];
const KIND_NAMES = ['impression', 'engagement', 'nurture'];
const REASONS = ['no_touch', 'rule_excluded', 'outside_window'];
// model codes
const M_LAST = 0, M_FIRST = 1, M_LINEAR = 2, M_DECAY = 3, M_POS = 4;
const MODEL_CODE = { last_touch: M_LAST, first_touch: M_FIRST, linear: M_LINEAR, time_decay: M_DECAY,
  position_based: M_POS, u_shaped: M_POS, j_curve: M_POS, inverse_j: M_POS };
const DAY_MS = 86400000;
// timestamps of valid input are within years 0000-9999 (|ts| < 2.6e14 ms): bounds and
// lookbacks are clamped to ±4e15 so that ts − L − 1 cannot overflow and stays a safe JS number
const CLAMP = 4e15;
const clampN = (b) => (b === null || b === undefined ? null : b > BigInt(CLAMP) ? CLAMP : b < -BigInt(CLAMP) ? -CLAMP : Number(b));

function usage(msg) {
  if (msg) process.stderr.write(`peer: ${msg}\n`);
  process.stderr.write('usage: node peer.mjs --events E.csv --conversions C.csv --campaigns K.csv -c rules.cfg -o OUTDIR\n' +
    '       [--period-from MS|DATE] [--period-to MS|DATE] [--model M] [--tables credits,report/campaign,…|all]\n' +
    '       [--repeat N] [--threads N] [--no-write] [--quiet] [--stats]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { events: [], conversions: [], campaigns: [], threads: 2, repeat: 1, write: true, tables: ALL_TABLES, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--events': o.events.push(val()); break;
      case '--conversions': o.conversions.push(val()); break;
      case '--campaigns': o.campaigns.push(val()); break;
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
      case '--stats': o.stats = true; break;
      case '--links': case '--no-stitch': case '--max-component': usage(`${a}: the Polars peer has no identity graph`);
      // falls through (usage exits)
      case '-h': case '--help': usage();
      // falls through
      default: usage(`unknown argument '${a}'`);
    }
  }
  if (!o.events.length || !o.conversions.length || !o.campaigns.length || !o.rules) usage('missing input');
  if (o.write && !o.out) usage('missing -o OUTDIR (or --no-write)');
  if (o.model && !MODELS.includes(o.model)) usage(`unknown model '${o.model}'`);
  for (const t of o.tables) if (!ALL_TABLES.includes(t)) usage(`unknown table '${t}'`);
  for (const k of ['from', 'to']) {
    if (o[k] === undefined) continue;
    const v = parseTimestamp(o[k]);
    if (v === null) usage(`bad --period-${k} '${o[k]}'`);
    o[k] = v;
  }
  return o;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const headerOf = (file) => { // the header line's column names (first 64 KiB of the file)
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(65536);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  return buf.toString('utf8', 0, n).split(/\r?\n/, 1)[0].split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
};

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!process.env.POLARS_MAX_THREADS) process.env.POLARS_MAX_THREADS = String(o.threads);
  const pl = (await import('nodejs-polars')).default; // after POLARS_MAX_THREADS: the pool reads it once
  const { col, lit, when } = pl;
  const I = (v) => lit(v).cast(pl.Int64); // JS numbers are f64 literals
  const log = (s) => { if (!o.quiet) process.stderr.write(`peer: ${s}\n`); };
  let rules;
  try {
    rules = loadRules(readFileSync(o.rules, 'utf8'), o.rules);
  } catch (e) {
    if (e instanceof RulesError) { process.stderr.write(`peer: ${e.message}\n`); process.exit(2); }
    throw e;
  }

  // ---- load: CSV → DataFrames (columns by name, any order, extra columns ignored) ----
  const readAll = (files, spec, optional) => pl.concat(files.map((f) => {
    const have = new Set(headerOf(f));
    for (const c of Object.keys(spec))
      if (!have.has(c) && !(c in optional)) { process.stderr.write(`peer: ${f}: no column '${c}'\n`); process.exit(2); }
    const cols = Object.keys(spec).filter((c) => have.has(c));
    const dtypes = Object.fromEntries(cols.map((c) => [c, spec[c]]));
    let df = pl.readCSV(f, { columns: cols, dtypes, hasHeader: true });
    for (const [c, v] of Object.entries(optional)) if (!have.has(c)) df = df.withColumns(lit(v).cast(spec[c]).alias(c));
    return df.select(...Object.keys(spec));
  }), { rechunk: true });
  const t0 = now();
  const evRaw = readAll(o.events, { event_id: pl.UInt64, identity: pl.UInt64, ts: pl.Int64, campaign_id: pl.UInt32, kind: pl.Utf8, cost: pl.Float64 },
    { cost: 0 });
  const cvRaw = readAll(o.conversions, { conversion_id: pl.UInt64, identity: pl.UInt64, ts: pl.Int64, advertiser_id: pl.UInt32, type: pl.Utf8, value: pl.Float64 },
    { value: 0 });
  const cp = readAll(o.campaigns, { campaign_id: pl.UInt32, advertiser_id: pl.UInt32, name: pl.Utf8 }, {});
  // kind as a code in the dedup order impression < engagement < nurture
  const ev = evRaw.withColumns(
    when(col('kind').eq(lit('impression'))).then(lit(0)).when(col('kind').eq(lit('engagement'))).then(lit(1))
      .when(col('kind').eq(lit('nurture'))).then(lit(2)).otherwise(lit(null)).cast(pl.UInt8).alias('kind'),
    col('cost').fillNull(0));
  const cv = cvRaw.withColumns(col('value').fillNull(0));
  const loadS = now() - t0;
  if (ev.getColumn('kind').nullCount() > 0) { process.stderr.write('peer: events: unknown kind\n'); process.exit(2); }
  for (const [n, df, c] of [['events', ev, ['event_id', 'identity', 'ts', 'campaign_id']], ['conversions', cv, ['conversion_id', 'identity', 'ts', 'advertiser_id', 'type']],
    ['campaigns', cp, ['campaign_id', 'advertiser_id']]])
    for (const k of c) if (df.getColumn(k).nullCount() > 0) { process.stderr.write(`peer: ${n}: empty ${k}\n`); process.exit(2); }
  log(`loaded ${ev.height} event rows, ${cv.height} conversion rows, ${cp.height} campaigns in ${loadS.toFixed(3)} s`);
  let stats = '';
  if (o.stats) { // the input's shape (not timed): identities and the busiest one's touch rows
    const per = ev.groupBy('identity').agg(pl.len().alias('n'));
    const busiest = Number(per.getColumn('n').max());
    stats = `identities=${per.height}\nbusiest_identity_rows=${busiest}\nbusiest_share=${(busiest / Math.max(1, ev.height)).toPrecision(3)}\n`;
  }

  // ---- rules, resolved in JS into small per-segment tables ----
  const catalog = cp.select('campaign_id', 'advertiser_id').toRecords()
    .map((r) => ({ campaign_id: Number(r.campaign_id), advertiser_id: Number(r.advertiser_id) }))
    .sort((a, b) => a.campaign_id - b.campaign_id);
  for (let i = 1; i < catalog.length; i++)
    if (catalog[i].campaign_id === catalog[i - 1].campaign_id) {
      process.stderr.write(`peer: campaigns: duplicate campaign_id ${catalog[i].campaign_id}\n`); process.exit(2);
    }
  const { advRows, campRows } = resolveRules(rules, catalog, o.model);
  // segments of conversion time: [bps[s], bps[s+1])
  const bpSet = new Set([T_MIN]);
  for (const r of [...advRows, ...campRows]) bpSet.add(r.vfrom);
  const bps = [...bpSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const nseg = bps.length;
  const inForce = (rows, key, id, t) => rows.find((r) => r[key] === id && r.vfrom <= t && t < r.vto);
  // advertiser × segment: model, priority, half-life, weights
  const advSegRows = [];
  for (const a of [...new Set(advRows.map((r) => r.advertiser_id))].sort((x, y) => x - y))
    for (let s = 0; s < nseg; s++) {
      const r = inForce(advRows, 'advertiser_id', a, bps[s]);
      advSegRows.push({ advertiser_id: a, seg: s, model: MODEL_CODE[r.model], prio: r.prio,
        half_life: Number(r.half_life_ms), pfirst: r.first, plast: r.last });
    }
  // campaign × segment: lookbacks, types, rule_version; profiles
  const profileOf = new Map(), campProfile = [], campSegRows = [];
  const profKinds = []; // profile → per segment [lb per kind, types]
  for (const c of catalog) {
    const segs = [];
    for (let s = 0; s < nseg; s++) {
      const r = inForce(campRows, 'campaign_id', c.campaign_id, bps[s]);
      segs.push({ lb: [clampN(r.lb_imp), clampN(r.lb_eng), clampN(r.lb_nur)], types: [...r.types].sort() });
      campSegRows.push({ campaign_id: c.campaign_id, seg: s, rule_version: r.rule_version, lb: segs[s].lb, types: segs[s].types });
    }
    const key = `${c.advertiser_id}|${JSON.stringify(segs)}`;
    if (!profileOf.has(key)) { profileOf.set(key, profileOf.size); profKinds.push({ advertiser_id: c.advertiser_id, segs }); }
    campProfile.push({ campaign_id: c.campaign_id, advertiser_id: c.advertiser_id, profile: profileOf.get(key) });
  }
  const models = new Set(advSegRows.map((r) => r.model));
  log(`${nseg} rule segment(s), ${profileOf.size} campaign profile(s), models ${[...models].join(',')}`);

  const S = (name, values, dtype) => pl.Series(name, values, dtype);
  const advSegT = pl.DataFrame([
    S('advertiser_id', advSegRows.map((r) => r.advertiser_id), pl.UInt32), S('seg', advSegRows.map((r) => r.seg), pl.UInt32),
    S('model', advSegRows.map((r) => r.model), pl.UInt8), S('prio', advSegRows.map((r) => r.prio), pl.Bool),
    S('half_life', advSegRows.map((r) => r.half_life), pl.Float64), S('pfirst', advSegRows.map((r) => r.pfirst), pl.Float64),
    S('plast', advSegRows.map((r) => r.plast), pl.Float64)]);
  const campProfileT = pl.DataFrame([S('campaign_id', campProfile.map((r) => r.campaign_id), pl.UInt32),
    S('advertiser_id', campProfile.map((r) => r.advertiser_id), pl.UInt32), S('profile', campProfile.map((r) => r.profile), pl.UInt32)]);
  const rvT = pl.DataFrame([S('campaign_id', campSegRows.map((r) => r.campaign_id), pl.UInt32),
    S('seg', campSegRows.map((r) => r.seg), pl.UInt32), S('rule_version', campSegRows.map((r) => r.rule_version), pl.UInt32)]);
  // (advertiser, segment, type) → the (profile, kind, L) groups a conversion of that type
  // looks in; (campaign, segment, kind, type) admitted, for the unattributed reasons. Both
  // expanded over the conversion types of the data (a few).
  const groupsTable = (types) => {
    const a = [], s = [], t = [], p = [], k = [], L = [];
    profKinds.forEach((pk, prof) => {
      for (let sg = 0; sg < nseg; sg++) {
        const { lb, types: allowed } = pk.segs[sg];
        for (const ty of types) {
          if (allowed.length && !allowed.includes(ty)) continue;
          for (let kd = 0; kd < 3; kd++) {
            if (lb[kd] === null) continue;
            a.push(pk.advertiser_id); s.push(sg); t.push(ty); p.push(prof); k.push(kd); L.push(lb[kd]);
          }
        }
      }
    });
    return pl.DataFrame([S('advertiser_id', a, pl.UInt32), S('seg', s, pl.UInt32), S('type', t, pl.Utf8),
      S('pk', p.map((x, i) => x * 3 + k[i]), pl.UInt32), S('kind', k, pl.UInt8), S('L', L, pl.Int64)]);
  };
  const admittedTable = (types) => {
    const c = [], s = [], k = [], t = [];
    for (const r of campSegRows)
      for (const ty of types) {
        if (r.types.length && !r.types.includes(ty)) continue;
        for (let kd = 0; kd < 3; kd++) if (r.lb[kd] !== null) { c.push(r.campaign_id); s.push(r.seg); k.push(kd); t.push(ty); }
      }
    return pl.DataFrame([S('campaign_id', c, pl.UInt32), S('seg', s, pl.UInt32), S('kind', k, pl.UInt8), S('type', t, pl.Utf8)]);
  };

  const want = new Set(o.tables);
  const needUnattr = want.has('unattributed') || want.has('report/advertiser');
  const perioded = o.from !== undefined || o.to !== undefined;
  const pFrom = clampN(o.from ?? T_MIN), pTo = clampN(o.to ?? T_MAX);
  const inPeriod = (c) => col(c).gtEq(I(pFrom)).and(col(c).lt(I(pTo)));
  const segExpr = (c) => (nseg === 1 ? lit(0).cast(pl.UInt32)
    : pl.sumHorizontal(bps.slice(1).map((b) => col(c).gtEq(I(clampN(b))).cast(pl.UInt32))).cast(pl.UInt32));
  const GK = ['identity', 'pk']; // touch group key: identity, pk = profile × 3 + kind (a profile has one advertiser)
  const CK = ['cid'];

  // ---- the query ----
  // PEER_PROFILE=1: the time of each step of the query on stderr
  let tPrev = 0;
  const tick = process.env.PEER_PROFILE ? (what) => { const t = now(); process.stderr.write(`peer: ${(t - tPrev).toFixed(3)} s  ${what}\n`); tPrev = t; } : () => {};
  const query = () => {
    const R = {};
    tPrev = now();
    // dedup of touches: rows whose event_id occurs once are unique touches and pass as
    // they are; the (identity, event_id) groups of the others keep their smallest (ts,
    // campaign_id, kind, cost); tot = rows of the group, exact = those equal to the kept one
    const evF = ev.withColumns(col('event_id').isDuplicated().alias('dup'));
    const tSingle = evF.filter(col('dup').not()).drop('dup');
    const tGroups = evF.filter(col('dup')).drop('dup')
      .sort(['identity', 'event_id', 'ts', 'campaign_id', 'kind', 'cost'])
      .groupBy(['identity', 'event_id'])
      .agg(col('ts').first(), col('campaign_id').first(), col('kind').first(), col('cost').first(), pl.len().alias('tot'),
        col('ts').eq(col('ts').first()).and(col('campaign_id').eq(col('campaign_id').first()))
          .and(col('kind').eq(col('kind').first())).and(col('cost').eq(col('cost').first())).sum().alias('exact'));
    const tdAll = pl.concat([tSingle, tGroups.select('event_id', 'identity', 'ts', 'campaign_id', 'kind', 'cost')]);
    // touches of catalog campaigns only (docs/models.md), with their advertiser and
    // group pk = profile × 3 + kind
    const td = tdAll.join(campProfileT, { on: 'campaign_id', how: 'inner' })
      .withColumns(col('profile').mul(lit(3)).plus(col('kind')).cast(pl.UInt32).alias('pk'));

    tick('touch dedup');
    // dedup of conversions: (identity, advertiser_id, conversion_id), earliest ts, then type, then value
    const cvF = cv.withColumns(col('conversion_id').isDuplicated().alias('dup'));
    const cSingle = cvF.filter(col('dup').not()).drop('dup');
    const cGroups = cvF.filter(col('dup')).drop('dup')
      .sort(['identity', 'advertiser_id', 'conversion_id', 'ts', 'type', 'value'])
      .groupBy(['identity', 'advertiser_id', 'conversion_id'])
      .agg(col('ts').first(), col('type').first(), col('value').first(), pl.len().alias('tot'),
        col('ts').eq(col('ts').first()).and(col('type').eq(col('type').first())).and(col('value').eq(col('value').first()))
          .sum().alias('exact'));
    let cd = pl.concat([cSingle, cGroups.select('conversion_id', 'identity', 'ts', 'advertiser_id', 'type', 'value')]);
    if (perioded) cd = cd.filter(inPeriod('ts'));
    tick('conversion dedup');
    // the period's conversions, numbered (cid), with their segment and advertiser rules
    const cpd = cd.withRowIndex('cid').withColumns(segExpr('ts').alias('seg'))
      .join(advSegT, { on: ['advertiser_id', 'seg'], how: 'left' });
    const types = cpd.getColumn('type').unique().toArray();

    tick('cpd');
    // conversion × group rows: L of the group in the conversion's segment
    const cq = cpd.select('cid', 'identity', 'advertiser_id', 'seg', 'type', 'ts', 'model', 'prio', 'half_life', 'pfirst', 'plast')
      .join(groupsTable(types), { on: ['advertiser_id', 'seg', 'type'], how: 'inner' })
      .withColumns(col('ts').minus(col('L')).minus(I(1)).alias('lo_ts'))
      .withRowIndex('q');
    tick('cq');
    // One frame of the touches and two query rows per cq row (at c.ts and at c.ts − L − 1),
    // sorted by (identity, pk, key, event_id) with key = 2·ts for a touch and 2·ts + 1 for a
    // query, so a query comes after the touches of its millisecond. Down each group, the
    // running count of touches is a touch's idx (1-based, (ts, event_id) order) and, on a
    // query row, the number of the group's touches at or before its time: hi, lo. The
    // touch before a query row (forward fill) is the last candidate when hi > lo, the one
    // after the lo row (backward fill) the first.
    const Q = (ts, tag) => cq.select('identity', 'pk', col(ts).mul(I(2)).plus(I(1)).alias('key'), lit(0).cast(pl.UInt64).alias('event_id'),
      lit(null).cast(pl.UInt32).alias('campaign_id'), lit(null).cast(pl.Int64).alias('t_ts'), col('q').cast(pl.UInt32).alias('q'),
      lit(tag).cast(pl.UInt8).alias('tag'));
    const tag = col('tag'), isT = col('tag').eq(lit(0));
    const U = pl.concat([
      td.select('identity', 'pk', col('ts').mul(I(2)).alias('key'), 'event_id', 'campaign_id', col('ts').alias('t_ts'),
        lit(null).cast(pl.UInt32).alias('q'), lit(0).cast(pl.UInt8).alias('tag')),
      Q('ts', 1), Q('lo_ts', 2)])
      .sort(['identity', 'pk', 'key', 'event_id'])
      .withColumns(isT.cast(pl.UInt32).cumSum().alias('cs'),
        col('identity').neq(col('identity').shift(1)).or(col('pk').neq(col('pk').shift(1))).fillNull(true).alias('gstart'))
      .withColumns(col('cs').minus(when(col('gstart')).then(col('cs').minus(isT.cast(pl.UInt32))).otherwise(lit(null)).forwardFill())
        .cast(pl.UInt32).alias('cnt'));
    tick('sort touches and queries');

    const fillT = (c, dir) => (dir ? when(isT).then(col(c)).otherwise(lit(null)).forwardFill()
      : when(isT).then(col(c)).otherwise(lit(null)).backwardFill());
    const QR = U.select('q', 'tag', 'cnt', fillT('event_id', true).alias('l_ev'), fillT('campaign_id', true).alias('l_camp'),
      fillT('t_ts', true).alias('l_ts'), ...(models.has(M_FIRST) ? [fillT('event_id', false).alias('f_ev'),
        fillT('campaign_id', false).alias('f_camp'), fillT('t_ts', false).alias('f_ts')] : []))
      .filter(tag.gt(lit(0))).sort(['tag', 'q']);
    const nq = cq.height;
    const hiRows = QR.slice(0, nq).select(col('cnt').alias('hi'), 'l_ev', 'l_camp', 'l_ts');
    const loRows = QR.slice(nq, nq).select(col('cnt').alias('lo'), ...(models.has(M_FIRST) ? ['f_ev', 'f_camp', 'f_ts'] : []));
    // touches with their idx, for the models that need every candidate
    const right = U.filter(isT).select(...GK, col('cnt').alias('idx'), col('t_ts').alias('ts'), 'event_id', 'campaign_id');
    const cqLo = pl.concat([cq, hiRows, loRows], { how: 'horizontal' })
      .filter(col('hi').gt(col('lo')));
    tick('counts');
    // engagement priority, n
    const grp = cqLo.withColumns(col('prio').and(col('kind').eq(lit(1)).any().over(CK)).alias('eng_only'))
      .filter(col('eng_only').not().or(col('kind').eq(lit(1))))
      .withColumns(col('hi').minus(col('lo')).cast(pl.UInt32).alias('cnt'))
      .withColumns(col('cnt').sum().over(CK).cast(pl.UInt32).alias('n'));
    tick('priority');
    const conv = cpd.select('cid', 'conversion_id', 'advertiser_id', 'identity', col('ts').alias('conv_ts'), 'value', 'seg');
    const OUT = ['conversion_id', 'advertiser_id', 'identity', 'conv_ts', 'value', 'event_id', 'campaign_id', 'kind', 'touch_ts',
      'position', 'path_length', 'credit', 'credited_value', 'rule_version'];
    const parts = [];
    const finish = (df) => df.join(conv, { on: 'cid', how: 'inner' })
      .join(rvT, { on: ['campaign_id', 'seg'], how: 'left' })
      .withColumns(col('credit').mul(col('value')).alias('credited_value'))
      .select(...OUT);
    // last_touch: the group whose touch at hi is the latest (ts, event_id)
    if (models.has(M_LAST)) {
      const g = grp.filter(col('model').eq(lit(M_LAST)));
      parts.push(finish(g.sort(['cid', 'l_ts', 'l_ev'], true).unique({ subset: 'cid', keep: 'first' })
        .select('cid', col('l_ev').alias('event_id'), col('l_camp').alias('campaign_id'), 'kind', col('l_ts').alias('touch_ts'),
          col('n').alias('position'), col('n').alias('path_length'), lit(1.0).alias('credit'))));
    }
    tick('last_touch');
    // first_touch: the group whose touch after the lo row (idx lo + 1) is the earliest
    if (models.has(M_FIRST)) {
      const g = grp.filter(col('model').eq(lit(M_FIRST)));
      parts.push(finish(g.sort(['cid', 'f_ts', 'f_ev']).unique({ subset: 'cid', keep: 'first' })
        .select('cid', col('f_ev').alias('event_id'), col('f_camp').alias('campaign_id'), 'kind', col('f_ts').alias('touch_ts'),
          lit(1).cast(pl.UInt32).alias('position'), col('n').alias('path_length'), lit(1.0).alias('credit'))));
    }
    tick('first_touch');
    // the other models: every candidate, idx lo+1 .. hi
    if ([M_LINEAR, M_DECAY, M_POS].some((m) => models.has(m))) {
      const g = grp.filter(col('model').gtEq(lit(M_LINEAR)))
        .select('cid', ...GK, 'kind', 'ts', 'model', 'half_life', 'pfirst', 'plast', 'n',
          pl.intRanges(col('lo').cast(pl.Int64).plus(I(1)), col('hi').cast(pl.Int64).plus(I(1)), 1, pl.UInt32).alias('idx'))
        .explode('idx')
        .join(right.select(...GK, 'idx', col('ts').alias('touch_ts'), 'event_id', 'campaign_id'), { on: [...GK, 'idx'], how: 'inner' })
        .sort(['cid', 'touch_ts', 'event_id'])
        .withColumns(col('cid').cumCount().over(CK).cast(pl.UInt32).alias('position'),
          col('ts').minus(col('touch_ts')).alias('age'));
      const nn = col('n'), pos = col('position'), pf = col('pfirst'), plst = col('plast');
      const posShare = when(nn.eq(lit(1))).then(lit(1.0))
        .when(nn.eq(lit(2))).then(when(pf.plus(plst).eq(lit(0))).then(lit(0.5))
          .when(pos.eq(lit(1))).then(pf.div(pf.plus(plst))).otherwise(plst.div(pf.plus(plst))))
        .when(pos.eq(lit(1))).then(pf).when(pos.eq(nn)).then(plst)
        .when(pf.plus(plst).gtEq(lit(1))).then(lit(0.0))
        .otherwise(lit(1.0).minus(pf).minus(plst).div(nn.cast(pl.Float64).minus(lit(2))));
      let h = g;
      if (models.has(M_DECAY))
        h = h.withColumns(when(col('model').eq(lit(M_DECAY)))
          .then(col('age').minus(col('age').min().over(CK)).cast(pl.Float64).div(col('half_life')).mul(lit(-Math.LN2)).exp())
          .otherwise(lit(null)).alias('w'))
          .withColumns(col('w').sum().over(CK).alias('wsum'));
      const credit = when(col('model').eq(lit(M_LINEAR))).then(lit(1.0).div(nn.cast(pl.Float64)))
        .when(col('model').eq(lit(M_DECAY))).then(models.has(M_DECAY) ? col('w').div(col('wsum')) : lit(null))
        .otherwise(posShare);
      parts.push(finish(h.withColumns(credit.cast(pl.Float64).alias('credit')).filter(col('credit').gt(lit(0)))
        .select('cid', 'event_id', 'campaign_id', 'kind', 'touch_ts', 'position', col('n').alias('path_length'), 'credit')));
    }
    tick('pair models');
    const credits = parts.length ? pl.concat(parts) : null;
    R.credits = credits ?? pl.DataFrame([S('conversion_id', [], pl.UInt64), S('advertiser_id', [], pl.UInt32),
      S('identity', [], pl.UInt64), S('conv_ts', [], pl.Int64), S('value', [], pl.Float64), S('event_id', [], pl.UInt64),
      S('campaign_id', [], pl.UInt32), S('kind', [], pl.UInt8), S('touch_ts', [], pl.Int64), S('position', [], pl.UInt32),
      S('path_length', [], pl.UInt32), S('credit', [], pl.Float64), S('credited_value', [], pl.Float64),
      S('rule_version', [], pl.UInt32)]);

    tick('credits');
    // report/campaign
    if (want.has('report/campaign')) {
      const tp = perioded ? td.filter(inPeriod('ts')) : td;
      const rt = tp.groupBy('campaign_id').agg(col('kind').eq(lit(0)).sum().alias('impressions'),
        col('kind').eq(lit(1)).sum().alias('engagements'), col('kind').eq(lit(2)).sum().alias('nurtures'),
        col('identity').nUnique().alias('reach'), col('cost').sum().alias('cost'));
      const rc = R.credits.groupBy('campaign_id').agg(col('credit').sum().alias('conversions'), col('credited_value').sum().alias('value'),
        pl.len().alias('credited_touches'),
        col('credit').mul(col('conv_ts').minus(col('touch_ts')).cast(pl.Float64)).div(lit(1000.0)).sum().alias('ttc'));
      R['report/campaign'] = cp.select('campaign_id', 'advertiser_id')
        .join(rt, { on: 'campaign_id', how: 'left' }).join(rc, { on: 'campaign_id', how: 'left' })
        .select('campaign_id', 'advertiser_id',
          ...['impressions', 'engagements', 'nurtures', 'reach'].map((c) => col(c).fillNull(0).cast(pl.UInt64)),
          col('cost').fillNull(0.0), col('conversions').fillNull(0.0), col('value').fillNull(0.0),
          col('credited_touches').fillNull(0).cast(pl.UInt64),
          when(col('conversions').fillNull(0.0).eq(lit(0.0))).then(lit(NaN)).otherwise(col('ttc').div(col('conversions')))
            .alias('mean_time_to_convert_s'),
          when(col('cost').fillNull(0.0).eq(lit(0.0))).then(lit(NaN)).otherwise(col('value').fillNull(0.0).div(col('cost')))
            .alias('roas'));
    }
    tick('report/campaign');
    for (const [t, c] of [['report/daily', 'conv_ts'], ['report/daily_touch', 'touch_ts']])
      if (want.has(t))
        R[t] = R.credits.groupBy(col(c).cast(pl.Float64).div(lit(DAY_MS)).floor().cast(pl.Int64).alias('dayn'), 'campaign_id')
          .agg(col('credit').sum().alias('conversions'), col('credited_value').sum().alias('value'));

    tick('daily');
    // unattributed: the period's conversions without a credit row; reason from the
    // touches of the identity on the advertiser's campaigns at or before c.ts
    if (needUnattr) {
      const un0 = cpd.join(R.credits.select('conversion_id', 'advertiser_id', 'identity').unique(),
        { on: ['conversion_id', 'advertiser_id', 'identity'], how: 'anti' });
      const first = td.join(un0.select('identity', 'advertiser_id').unique(), { on: ['identity', 'advertiser_id'], how: 'semi' })
        .groupBy(['identity', 'advertiser_id', 'campaign_id', 'kind']).agg(col('ts').min().alias('t_ts'));
      const seen = un0.select('cid', 'identity', 'advertiser_id', 'ts', 'seg', 'type')
        .join(first, { on: ['identity', 'advertiser_id'], how: 'inner' })
        .filter(col('t_ts').ltEq(col('ts')));
      const anyT = seen.select('cid').unique().withColumns(lit(true).alias('any_t'));
      const okT = seen.join(admittedTable(types), { on: ['campaign_id', 'seg', 'kind', 'type'], how: 'semi' })
        .select('cid').unique().withColumns(lit(true).alias('ok_t'));
      R.unattributed = un0.join(anyT, { on: 'cid', how: 'left' }).join(okT, { on: 'cid', how: 'left' })
        .select('conversion_id', 'advertiser_id', 'identity', col('ts').alias('conv_ts'), 'value',
          when(col('ok_t').isNotNull()).then(lit(2)).when(col('any_t').isNotNull()).then(lit(1)).otherwise(lit(0))
            .cast(pl.UInt8).alias('reason'));
    }
    tick('unattributed');
    if (want.has('report/advertiser')) {
      const advs = pl.concat([cp.select('advertiser_id'), cv.select('advertiser_id')]).unique();
      const conv = cpd.groupBy('advertiser_id').agg(pl.len().alias('conversions'));
      const att = R.credits.select('conversion_id', 'advertiser_id', 'identity').unique().groupBy('advertiser_id')
        .agg(pl.len().alias('attributed'));
      const un = R.unattributed.groupBy('advertiser_id').agg(
        ...REASONS.map((r, i) => col('reason').eq(lit(i)).sum().alias(`unattributed_${r}`)));
      const dt = tGroups.join(cp.select('campaign_id', 'advertiser_id'), { on: 'campaign_id', how: 'inner' })
        .groupBy('advertiser_id').agg(col('tot').cast(pl.Int64).minus(I(1)).sum().alias('duplicate_touches'),
          col('tot').cast(pl.Int64).minus(col('exact').cast(pl.Int64)).sum().alias('duplicate_touches_inexact'));
      const dc = cGroups.groupBy('advertiser_id').agg(col('tot').cast(pl.Int64).minus(I(1)).sum().alias('duplicate_conversions'),
        col('tot').cast(pl.Int64).minus(col('exact').cast(pl.Int64)).sum().alias('duplicate_conversions_inexact'));
      const U = ['conversions', 'attributed', ...REASONS.map((r) => `unattributed_${r}`), 'duplicate_touches',
        'duplicate_touches_inexact', 'duplicate_conversions', 'duplicate_conversions_inexact'];
      R['report/advertiser'] = advs.join(conv, { on: 'advertiser_id', how: 'left' }).join(att, { on: 'advertiser_id', how: 'left' })
        .join(un, { on: 'advertiser_id', how: 'left' }).join(dt, { on: 'advertiser_id', how: 'left' })
        .join(dc, { on: 'advertiser_id', how: 'left' })
        .select('advertiser_id', ...U.map((c) => col(c).fillNull(0).cast(pl.UInt64)));
    }
    tick('report/advertiser');
    R.stats = { conversions: cpd.height };
    return R;
  };

  const times = [];
  let R;
  for (let k = 0; k < o.repeat; k++) {
    // the previous run's DataFrames are native memory the JS heap does not see: collect
    // them before the next run (node --expose-gc; not timed), else every repeat is slower
    if (k > 0 && global.gc) { R = null; global.gc(); }
    const q0 = now();
    R = query();
    times.push(now() - q0);
  }
  const queryS = median(times);
  const attributed = R.credits.select('conversion_id', 'advertiser_id', 'identity').unique().height;
  log(`attributed ${attributed} of ${R.stats.conversions} conversions, ${R.credits.height} credit rows; query ${queryS.toFixed(3)} s` +
      (o.repeat > 1 ? ` (median of ${o.repeat})` : ''));

  // ---- write: CSV like `attrib export` (kind and reason as names, days as YYYY-MM-DD) ----
  let writeS = 0;
  if (o.write) {
    const w0 = now();
    mkdirSync(o.out, { recursive: true });
    const out = (t) => join(o.out, `${t.replace('/', '_')}.csv`);
    const names = (c, list) => list.reduce((e, nm, i) => e.when(col(c).eq(lit(i))).then(lit(nm)), pl).otherwise(lit(null)).alias(c);
    if (want.has('credits'))
      R.credits.sort(['conversion_id', 'advertiser_id', 'event_id', 'identity']).withColumns(names('kind', KIND_NAMES)).writeCSV(out('credits'));
    if (want.has('unattributed'))
      R.unattributed.sort(['conversion_id', 'advertiser_id', 'identity']).withColumns(names('reason', REASONS)).writeCSV(out('unattributed'));
    if (want.has('report/campaign')) R['report/campaign'].sort('campaign_id').writeCSV(out('report/campaign'));
    for (const t of ['report/daily', 'report/daily_touch'])
      if (want.has(t)) {
        const d = R[t].sort(['campaign_id', 'dayn']);
        const days = d.getColumn('dayn').toArray().map((x) => new Date(Number(x) * DAY_MS).toISOString().slice(0, 10));
        d.withColumns(S('day', days, pl.Utf8)).select('campaign_id', 'day', 'conversions', 'value').writeCSV(out(t));
      }
    if (want.has('report/advertiser')) R['report/advertiser'].sort('advertiser_id').writeCSV(out('report/advertiser'));
    writeS = now() - w0;
  }
  process.stdout.write(`load_s=${loadS.toFixed(4)}\nquery_s=${queryS.toFixed(4)}\n` +
    (o.repeat > 1 ? `query_runs=${times.map((x) => x.toFixed(4)).join(',')}\n` : '') +
    `write_s=${writeS.toFixed(4)}\n` + stats);
}

main().catch((e) => { process.stderr.write(`peer: ${e.stack || e}\n`); process.exit(3); });
