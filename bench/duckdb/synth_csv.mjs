#!/usr/bin/env node
// Quick synthetic CSVs in the `attrib export` format, for timing the peer without attrib
// (bench/README.md). Deterministic (hash-based). Not a substitute for `attrib gen`.
//
// usage: node synth_csv.mjs --events N --conversions M [--campaigns K] -o DIR
//   events.csv:      event_id,identity,ts,campaign_id,kind,cost  (~1% redeliveries)
//   conversions.csv: conversion_id,identity,ts,advertiser_id,type,value
//   campaigns.csv:   campaign_id,advertiser_id,name  (campaign c → advertiser ((c-1)%10)+1)
// Touches span 2026-09-01 .. 2026-11-01, conversions 2026-10-01 .. 2026-11-01;
// identities = events / 8, each conversion picks an identity that has touches.
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const a = process.argv.slice(2);
const get = (k, d) => { const i = a.indexOf(k); return i >= 0 ? a[i + 1] : d; };
const N = BigInt(get('--events', '1000000')), M = BigInt(get('--conversions', String(N / 10n)));
const K = BigInt(get('--campaigns', '1000')), out = resolve(get('-o', 'synth'));
mkdirSync(out, { recursive: true });
const I = N / 8n > 0n ? N / 8n : 1n;
const T0 = BigInt(Date.UTC(2026, 8, 1)), T1 = BigInt(Date.UTC(2026, 9, 1)), T2 = BigInt(Date.UTC(2026, 10, 1));
const con = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
const f = (n) => `'${join(out, n)}'`;
// h(i, salt): a deterministic pseudo-random u64
const h = (i, s) => `hash(${i}, ${s})`;
await con.run(`COPY (
  WITH b AS (SELECT i FROM range(${N}) t(i))
  SELECT (CASE WHEN i % 100 = 99 THEN ${h('i', 2)} % ${N} ELSE i END) + 1 AS event_id,
         ${h('(CASE WHEN i % 100 = 99 THEN ' + h('i', 2) + ' % ' + N + ' ELSE i END)', 3)} % ${I} * 2654435761 AS identity,
         ${T0} + ${h('(CASE WHEN i % 100 = 99 THEN ' + h('i', 2) + ' % ' + N + ' ELSE i END)', 4)} % ${T2 - T0} + (CASE WHEN i % 100 = 99 AND i % 7 = 0 THEN 1000 ELSE 0 END) AS ts,
         ${h('(CASE WHEN i % 100 = 99 THEN ' + h('i', 2) + ' % ' + N + ' ELSE i END)', 5)} % ${K} + 1 AS campaign_id,
         CASE WHEN ${h('i', 6)} % 10 < 7 THEN 'impression' WHEN ${h('i', 6)} % 10 < 9 THEN 'engagement' ELSE 'nurture' END AS kind,
         (${h('i', 7)} % 1000) / 10000.0 AS cost
  FROM b) TO ${f('events.csv')} (HEADER)`);
await con.run(`COPY (
  SELECT i + 1 AS conversion_id, ${h('i', 11)} % ${I} * 2654435761 AS identity,
         ${T1} + ${h('i', 12)} % ${T2 - T1} AS ts, ${h('i', 13)} % 10 + 1 AS advertiser_id,
         CASE ${h('i', 14)} % 3 WHEN 0 THEN 'purchase' WHEN 1 THEN 'signup' ELSE 'lead' END AS type,
         (${h('i', 15)} % 20000) / 100.0 AS value
  FROM range(${M}) t(i)) TO ${f('conversions.csv')} (HEADER)`);
await con.run(`COPY (SELECT i AS campaign_id, (i - 1) % 10 + 1 AS advertiser_id, 'campaign ' || i AS name
  FROM range(1, ${K + 1n}) t(i)) TO ${f('campaigns.csv')} (HEADER)`);
process.stderr.write(`synth: ${N} events, ${M} conversions, ${K} campaigns in ${out}\n`);
