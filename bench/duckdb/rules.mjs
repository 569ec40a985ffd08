// attrib DuckDB peer — rules file (docs/rules.md): a small libconfig parser for the subset the
// rules language uses, validation, and resolution into version intervals.
//
// Written independently of attrib's C code (src/io/rules_load.c); only docs/rules.md
// and docs/conventions.md were used. Choices where the documentation is silent are marked "CHOICE".

export class RulesError extends Error {}

// ---------------------------------------------------------------- libconfig parser --

function tokenize(text, name) {
  const toks = [];
  let i = 0, line = 1;
  const n = text.length;
  const err = (msg) => { throw new RulesError(`${name}:${line}: ${msg}`); };
  while (i < n) {
    const ch = text[i];
    if (ch === '\n') { line++; i++; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') { i++; continue; }
    if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) err('unterminated comment');
      for (let k = i; k < end; k++) if (text[k] === '\n') line++;
      i = end + 2;
      continue;
    }
    if ('=:;,{}()[]'.includes(ch)) { toks.push({ t: ch, line }); i++; continue; }
    if (ch === '"') {
      let s = '';
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) err('unterminated string');
        const c = text[i];
        if (c === '"') { i++; break; }
        if (c === '\n') line++;
        if (c === '\\') {
          const e = text[i + 1];
          const map = { n: '\n', t: '\t', r: '\r', f: '\f', '\\': '\\', '"': '"' };
          if (e in map) { s += map[e]; i += 2; continue; }
          if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
            s += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16)); i += 4; continue;
          }
          err('bad escape in string');
        }
        s += c; i++;
      }
      // adjacent string literals concatenate (libconfig)
      const prev = toks[toks.length - 1];
      if (prev && prev.t === 'str' && prev.adj) { prev.v += s; }
      else toks.push({ t: 'str', v: s, line: startLine, adj: true });
      continue;
    }
    const m = /^(?:[-+]?0[xX][0-9a-fA-F]+L{0,2}|[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?L{0,2})/.exec(text.slice(i, i + 64));
    if (m && /[-+0-9.]/.test(ch)) {
      let s = m[0].replace(/L+$/, '');
      let v;
      if (/0[xX]/.test(s)) v = Number(BigInt(s.replace(/^[-+]/, ''))) * (s[0] === '-' ? -1 : 1);
      else v = Number(s);
      const isInt = /^[-+]?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(s);
      if (!Number.isFinite(v)) err(`bad number '${m[0]}'`);
      toks.push({ t: 'num', v, isInt, line });
      i += m[0].length;
      continue;
    }
    const w = /^[A-Za-z*][-A-Za-z0-9_*]*/.exec(text.slice(i, i + 256));
    if (w) {
      const lw = w[0].toLowerCase();
      if (lw === 'true' || lw === 'false') toks.push({ t: 'bool', v: lw === 'true', line });
      else toks.push({ t: 'name', v: w[0], line });
      i += w[0].length;
      continue;
    }
    err(`unexpected character '${ch}'`);
  }
  // strings separated by anything other than whitespace/comments do not concatenate;
  // 'adj' only matters while scanning, so clear it
  for (const t of toks) delete t.adj;
  toks.push({ t: 'eof', line });
  return toks;
}

// Values: {type:'group', items:[{name,value,line}], line} | {type:'list'|'array', items:[value], line}
//       | {type:'str'|'num'|'bool', v, line}
export function parseLibconfig(text, name) {
  const toks = tokenize(text, name);
  let p = 0;
  const peek = () => toks[p];
  const next = () => toks[p++];
  const err = (tok, msg) => { throw new RulesError(`${name}:${tok.line}: ${msg}`); };
  function settings(endTok) {
    const items = [];
    while (peek().t !== endTok) {
      const nt = next();
      if (nt.t !== 'name') err(nt, `expected a setting name, got '${nt.v ?? nt.t}'`);
      const eq = next();
      if (eq.t !== '=' && eq.t !== ':') err(eq, `expected '=' after '${nt.v}'`);
      const v = value();
      items.push({ name: nt.v, value: v, line: nt.line });
      if (peek().t === ';' || peek().t === ',') next();
    }
    return items;
  }
  function value() {
    const t = next();
    if (t.t === 'str' || t.t === 'num' || t.t === 'bool') return { type: t.t, v: t.v, isInt: t.isInt, line: t.line };
    if (t.t === '{') { const items = settings('}'); next(); return { type: 'group', items, line: t.line }; }
    if (t.t === '(' || t.t === '[') {
      const close = t.t === '(' ? ')' : ']';
      const items = [];
      while (peek().t !== close) {
        const v = value();
        if (t.t === '[' && !['str', 'num', 'bool'].includes(v.type)) err(t, 'arrays hold scalars only');
        items.push(v);
        if (peek().t === ',') next();
        else if (peek().t !== close) err(peek(), `expected ',' or '${close}'`);
      }
      next();
      return { type: t.t === '(' ? 'list' : 'array', items, line: t.line };
    }
    err(t, `unexpected '${t.v ?? t.t}'`);
  }
  const items = settings('eof');
  return { type: 'group', items, line: 1 };
}

// ---------------------------------------------------------------- rules --

export const MODELS = ['last_touch', 'first_touch', 'linear', 'time_decay', 'position_based',
  'u_shaped', 'j_curve', 'inverse_j'];
export const PRESETS = { u_shaped: [0.4, 0.4], j_curve: [0.2, 0.6], inverse_j: [0.6, 0.2] };
export const KINDS = ['impression', 'engagement', 'nurture'];
export const T_MIN = -9223372036854775808n; // "beginning of time"
export const T_MAX = 9223372036854775807n;

const UNIT_MS = { ms: 1n, s: 1000n, m: 60000n, h: 3600000n, d: 86400000n };

export function parseDuration(s) {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(s);
  if (!m) return null;
  return BigInt(m[1]) * UNIT_MS[m[2]];
}

// ISO 8601 (2026-10-01T12:00:00Z, 2026-10-01T12:00:00.250+02:00, 2026-10-01) or integer
// ms, to BigInt ms since the epoch; null when malformed.
export function parseTimestamp(s) {
  if (typeof s === 'number') return Number.isInteger(s) ? BigInt(s) : null;
  if (/^-?[0-9]+$/.test(s)) return BigInt(s);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (!m) return null;
  const [, Y, Mo, D, h = '0', mi = '0', se = '0', frac = '', tz = 'Z'] = m;
  if (+Mo < 1 || +Mo > 12 || +D < 1 || +D > 31 || +h > 23 || +mi > 59 || +se > 60) return null;
  let ms = Date.UTC(+Y, +Mo - 1, +D, +h, +mi, +se);
  const chk = new Date(Date.UTC(+Y, +Mo - 1, +D));
  if (chk.getUTCDate() !== +D) return null; // 2026-02-30
  ms += Math.floor(Number((frac + '000').slice(0, 3)));
  if (tz !== 'Z') {
    const tm = /^([+-])(\d{2}):?(\d{2})$/.exec(tz);
    const off = (+tm[2] * 60 + +tm[3]) * 60000 * (tm[1] === '+' ? 1 : -1);
    ms -= off;
  }
  return BigInt(ms);
}

// Built-in defaults, used for keys the file's `defaults` group does not give.
// CHOICE: docs/rules.md shows these values in its example; we take them as the built-ins.
const BUILTIN = {
  model: 'last_touch',
  engagement_priority: true,
  lookback: { engagement: 30n * 86400000n, impression: 86400000n, nurture: 7n * 86400000n },
  conversion_types: [],
  half_life: 7n * 86400000n,
  first: 0.4,
  last: 0.4,
};

// Parse one level (defaults / advertiser entry / campaign entry) into a partial rule.
function parseLevel(group, level, name) {
  const out = {};
  const err = (line, msg) => { throw new RulesError(`${name}:${line}: ${msg}`); };
  const seen = new Set();
  for (const it of group.items) {
    const k = it.name, v = it.value, line = it.line;
    if (seen.has(k)) err(line, `duplicate key '${k}'`);
    seen.add(k);
    const perAdv = ['model', 'engagement_priority', 'time_decay', 'position_based', 'markov'];
    if (level === 'campaign' && perAdv.includes(k))
      err(line, `'${k}' is per advertiser and not allowed in a campaign entry`);
    switch (k) {
      case 'id':
        if (level === 'defaults') err(line, `unknown key 'id' in defaults`);
        if (v.type !== 'num' || !v.isInt || v.v < 0 || v.v > 4294967295) err(line, `'id' must be an integer in 0..4294967295`);
        out.id = v.v; break;
      case 'effective_from': {
        if (level === 'defaults') err(line, `unknown key 'effective_from' in defaults`);
        const ts = (v.type === 'str' || (v.type === 'num' && v.isInt)) ? parseTimestamp(v.v) : null;
        if (ts === null) err(line, `bad timestamp for 'effective_from'`);
        out.effective_from = ts; break;
      }
      case 'model':
        if (v.type !== 'str' || !MODELS.includes(v.v)) err(line, `unknown model '${v.v}' for 'model'`);
        out.model = v.v; break;
      case 'engagement_priority':
        if (v.type !== 'bool') err(line, `'engagement_priority' must be true or false`);
        out.engagement_priority = v.v; break;
      case 'lookback': {
        if (v.type !== 'group') err(line, `'lookback' must be a group`);
        out.lookback = {};
        for (const kk of v.items) {
          if (!KINDS.includes(kk.name)) err(kk.line, `unknown kind '${kk.name}' in 'lookback'`);
          if (kk.value.type !== 'str') err(kk.line, `bad duration for 'lookback.${kk.name}'`);
          if (kk.value.v === 'off') out.lookback[kk.name] = null;
          else {
            const d = parseDuration(kk.value.v);
            if (d === null) err(kk.line, `bad duration '${kk.value.v}' for 'lookback.${kk.name}'`);
            out.lookback[kk.name] = d;
          }
        }
        break;
      }
      case 'conversion_types':
        if (v.type !== 'array' && v.type !== 'list') err(line, `'conversion_types' must be an array of strings`);
        for (const e of v.items) if (e.type !== 'str' || e.v.length < 1) err(line, `'conversion_types' must be an array of strings`);
        out.conversion_types = v.items.map((e) => e.v);
        break;
      case 'time_decay':
        if (v.type !== 'group') err(line, `'time_decay' must be a group`);
        for (const kk of v.items) {
          if (kk.name !== 'half_life') err(kk.line, `unknown key '${kk.name}' in 'time_decay'`);
          const d = kk.value.type === 'str' ? parseDuration(kk.value.v) : null;
          if (d === null || d <= 0n) err(kk.line, `bad duration for 'time_decay.half_life'`);
          out.half_life = d;
        }
        break;
      case 'position_based':
        if (v.type !== 'group') err(line, `'position_based' must be a group`);
        for (const kk of v.items) {
          if (kk.name !== 'first' && kk.name !== 'last') err(kk.line, `unknown key '${kk.name}' in 'position_based'`);
          if (kk.value.type !== 'num' || kk.value.v < 0 || kk.value.v > 1)
            err(kk.line, `'position_based.${kk.name}' must be a number in [0,1]`);
          out[kk.name] = kk.value.v;
        }
        break;
      case 'markov':
        // Validated only: the peer computes no Markov model.
        if (v.type !== 'group') err(line, `'markov' must be a group`);
        for (const kk of v.items) {
          if (kk.name !== 'order') err(kk.line, `unknown key '${kk.name}' in 'markov'`);
          if (kk.value.type !== 'num' || !kk.value.isInt || kk.value.v < 1 || kk.value.v > 4)
            err(kk.line, `'markov.order' must be an integer in 1..4`);
          out.markov_order = kk.value.v;
        }
        break;
      default:
        err(line, `unknown key '${k}'${level === 'defaults' ? ' in defaults' : ''}`);
    }
  }
  if (level !== 'defaults' && out.id === undefined) err(group.line, `${level} entry without 'id'`);
  out.line = group.line;
  return out;
}

function overlay(base, lv) {
  const r = { ...base, lookback: { ...base.lookback } };
  for (const k of ['model', 'engagement_priority', 'conversion_types', 'half_life', 'first', 'last'])
    if (lv[k] !== undefined) r[k] = lv[k];
  if (lv.lookback) for (const k of Object.keys(lv.lookback)) r.lookback[k] = lv.lookback[k];
  return r;
}

function checkWeights(r, name, line) {
  if (r.first + r.last > 1) throw new RulesError(`${name}:${line}: 'position_based' first + last > 1`);
}

// Parse and validate a rules file. Returns {defaults, adv: Map id → versions, camp: Map id → versions};
// versions sorted by effective_from (T_MIN when absent).
export function loadRules(text, name) {
  const root = parseLibconfig(text, name);
  let defaults = { ...BUILTIN, lookback: { ...BUILTIN.lookback } };
  const adv = new Map(), camp = new Map();
  const seen = new Set();
  for (const it of root.items) {
    if (seen.has(it.name)) throw new RulesError(`${name}:${it.line}: duplicate key '${it.name}'`);
    seen.add(it.name);
    if (it.name === 'defaults') {
      if (it.value.type !== 'group') throw new RulesError(`${name}:${it.line}: 'defaults' must be a group`);
      const lv = parseLevel(it.value, 'defaults', name);
      defaults = overlay(defaults, lv);
      checkWeights(defaults, name, it.line);
    } else if (it.name === 'advertisers' || it.name === 'campaigns') {
      const level = it.name === 'advertisers' ? 'advertiser' : 'campaign';
      if (it.value.type !== 'list' && it.value.type !== 'array')
        throw new RulesError(`${name}:${it.line}: '${it.name}' must be a list of groups`);
      for (const e of it.value.items) {
        if (e.type !== 'group') throw new RulesError(`${name}:${e.line}: '${it.name}' must be a list of groups`);
        const lv = parseLevel(e, level, name);
        lv.effective_from = lv.effective_from ?? T_MIN;
        const m = level === 'advertiser' ? adv : camp;
        if (!m.has(lv.id)) m.set(lv.id, []);
        m.get(lv.id).push(lv);
      }
    } else {
      throw new RulesError(`${name}:${it.line}: unknown key '${it.name}'`);
    }
  }
  for (const [what, m] of [['advertiser', adv], ['campaign', camp]]) {
    for (const [id, vs] of m) {
      vs.sort((a, b) => (a.effective_from < b.effective_from ? -1 : a.effective_from > b.effective_from ? 1 : 0));
      for (let i = 1; i < vs.length; i++)
        if (vs[i].effective_from === vs[i - 1].effective_from)
          // CHOICE: two versions of one id in force from the same instant are ambiguous: an error.
          throw new RulesError(`${name}:${vs[i].line}: ${what} ${id}: two entries with the same effective_from`);
      if (what === 'advertiser') for (const v of vs) checkWeights(overlay(defaults, v), name, v.line);
    }
  }
  return { defaults, adv, camp };
}

// Index of the version in force at ts (BigInt), or -1.
function versionAt(vs, ts) {
  let k = -1;
  if (!vs) return -1;
  for (let i = 0; i < vs.length; i++) if (vs[i].effective_from <= ts) k = i;
  return k;
}

function breakpoints(...lists) {
  const s = new Set([T_MIN]);
  for (const vs of lists) if (vs) for (const v of vs) s.add(v.effective_from);
  return [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// Resolve into interval tables.
//   advRows:  {advertiser_id, vfrom, vto, model, prio, half_life_ms, first, last}
//   campRows: {campaign_id, vfrom, vto, lb_imp, lb_eng, lb_nur (BigInt|null), types (array, [] = all), rule_version}
// `catalog` is [{campaign_id, advertiser_id}]; modelOverride replaces every advertiser's model.
export function resolveRules(rules, catalog, modelOverride) {
  const advRows = [], campRows = [];
  const advIds = new Set(catalog.map((c) => c.advertiser_id));
  for (const id of rules.adv.keys()) advIds.add(id);
  const finishAdv = (r) => {
    const model = modelOverride ?? r.model;
    let first = r.first, last = r.last;
    if (PRESETS[model]) [first, last] = PRESETS[model];
    return { model, prio: r.engagement_priority, half_life_ms: r.half_life, first, last };
  };
  for (const a of [...advIds].sort((x, y) => x - y)) {
    const vs = rules.adv.get(a);
    const bps = breakpoints(vs);
    for (let i = 0; i < bps.length; i++) {
      const k = versionAt(vs, bps[i]);
      const r = k >= 0 ? overlay(rules.defaults, vs[k]) : rules.defaults;
      advRows.push({ advertiser_id: a, vfrom: bps[i], vto: i + 1 < bps.length ? bps[i + 1] : T_MAX, ...finishAdv(r) });
    }
  }
  for (const c of catalog) {
    const avs = rules.adv.get(c.advertiser_id), cvs = rules.camp.get(c.campaign_id);
    const bps = breakpoints(avs, cvs);
    for (let i = 0; i < bps.length; i++) {
      const ka = versionAt(avs, bps[i]), kc = versionAt(cvs, bps[i]);
      let r = ka >= 0 ? overlay(rules.defaults, avs[ka]) : rules.defaults;
      if (kc >= 0) r = overlay(r, cvs[kc]);
      campRows.push({
        campaign_id: c.campaign_id, vfrom: bps[i], vto: i + 1 < bps.length ? bps[i + 1] : T_MAX,
        lb_imp: r.lookback.impression, lb_eng: r.lookback.engagement, lb_nur: r.lookback.nurture,
        types: r.conversion_types, rule_version: kc + 1,
      });
    }
  }
  return { advRows, campRows };
}
