#!/usr/bin/env node
// Render an HTML report in headless Chromium through the Chrome DevTools protocol over
// a pipe (--remote-debugging-pipe: no WebSocket, no npm package needed), then check it:
//   - no console error, no uncaught exception, no failed chart (window.attribReport),
//   - no network request other than the file itself (the page must work offline),
//   - every .chart[data-chart] container holds a non-empty <svg> or <canvas> (marks drawn),
//   - at window widths of 1280, 1024 and 800 px nothing sticks out of the page sideways
//     (wide tables and charts scroll inside their own box),
// and save a full-page screenshot.
//
// usage: node render_html.js REPORT.html SCREENSHOT.png [CHROMIUM]
// Prints a JSON summary on stdout; exit 0 when every check passed, 1 otherwise.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [html, png, chromeArg] = process.argv.slice(2);
if (!html || !png) {
  console.error('usage: node render_html.js REPORT.html SCREENSHOT.png [CHROMIUM]');
  process.exit(2);
}
const chrome = chromeArg || process.env.CHROMIUM || '/usr/bin/chromium';
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'attrib-chromium-'));
const url = 'file://' + path.resolve(html);

const proc = spawn(chrome, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--hide-scrollbars', '--window-size=1280,900',
  '--user-data-dir=' + profile, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let chromeErr = '';
proc.stderr.on('data', (d) => { chromeErr += d; });

const toChrome = proc.stdio[3], fromChrome = proc.stdio[4];
let nextId = 1, buf = Buffer.alloc(0);
const pending = new Map(), listeners = [];
fromChrome.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  let z;
  while ((z = buf.indexOf(0)) >= 0) {
    const msg = JSON.parse(buf.subarray(0, z).toString('utf8'));
    buf = buf.subarray(z + 1);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      else resolve(msg.result);
    } else if (msg.method) {
      for (const l of listeners) l(msg);
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const m = { id, method, params };
  if (sessionId) m.sessionId = sessionId;
  toChrome.write(JSON.stringify(m) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const problems = [], consoleMessages = [], requests = [];
async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  listeners.push((m) => {
    if (m.sessionId !== sessionId) return;
    const p = m.params || {};
    if (m.method === 'Runtime.consoleAPICalled') {
      const text = (p.args || []).map((a) => a.value !== undefined ? String(a.value) : a.description || '').join(' ');
      consoleMessages.push(p.type + ': ' + text);
      if (p.type === 'error' || p.type === 'assert') problems.push('console ' + p.type + ': ' + text);
    } else if (m.method === 'Runtime.exceptionThrown') {
      const d = p.exceptionDetails || {};
      problems.push('exception: ' + (d.exception && d.exception.description || d.text));
    } else if (m.method === 'Log.entryAdded') {
      const e = p.entry || {};
      if (e.level === 'error') problems.push('log error: ' + e.text + (e.url ? ' (' + e.url + ')' : ''));
    } else if (m.method === 'Network.requestWillBeSent') {
      const u = p.request && p.request.url || '';
      requests.push(u);
      if (!u.startsWith('file:') && !u.startsWith('data:') && !u.startsWith('blob:') && u !== 'about:blank')
        problems.push('network request: ' + u);
    }
  });
  await send('Runtime.enable', {}, sessionId);
  await send('Log.enable', {}, sessionId);
  await send('Network.enable', {}, sessionId);
  await send('Page.enable', {}, sessionId);
  await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
  await send('Page.navigate', { url }, sessionId);

  let state = null;
  for (let i = 0; i < 600; i++) { // up to 60 s
    const r = await send('Runtime.evaluate', {
      expression: 'JSON.stringify(window.attribReport || null)', returnByValue: true }, sessionId);
    state = JSON.parse(r.result.value);
    if (state && state.done) break;
    await sleep(100);
  }
  if (!state) problems.push('window.attribReport never appeared (page script did not run)');
  else if (!state.done) problems.push('charts did not finish within 60 s');
  else if (state.errors.length) problems.push('chart errors: ' + state.errors.join('; '));

  const r = await send('Runtime.evaluate', {
    returnByValue: true,
    expression: `JSON.stringify(Array.from(document.querySelectorAll('.chart[data-chart]')).map(function (el) {
      var svg = el.querySelector('svg'), canvas = el.querySelector('canvas');
      var marks = svg ? svg.querySelectorAll('path, rect, line, circle, symbol, text').length : 0;
      var box = (svg || canvas) ? (svg || canvas).getBoundingClientRect() : {width: 0, height: 0};
      var drawn = svg ? svg.querySelectorAll('.mark-rect path, .mark-line path, .mark-symbol path, .mark-rect rect, g.mark-rect > *, g.mark-line > *, g.mark-symbol > *').length : 0;
      return {chart: el.getAttribute('data-chart'), svg: !!svg, canvas: !!canvas,
              elements: marks, markItems: drawn, width: box.width, height: box.height};
    }))`,
  }, sessionId);
  const charts = JSON.parse(r.result.value);
  if (charts.length === 0) problems.push('no chart containers in the page');
  for (const c of charts) {
    if (!c.svg && !c.canvas) problems.push('chart ' + c.chart + ': no svg or canvas');
    else if (c.width < 50 || c.height < 20 || c.elements < 5)
      problems.push('chart ' + c.chart + ': empty (' + JSON.stringify(c) + ')');
  }
  // Layout: at typical window widths nothing makes the page scroll sideways (a wide
  // table or chart scrolls inside its own box instead).
  const layout = [];
  for (const width of [1280, 1024, 800]) {
    await send('Emulation.setDeviceMetricsOverride', { width, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    await sleep(200);
    const m = await send('Runtime.evaluate', {
      returnByValue: true,
      expression: `JSON.stringify((function () {
        var de = document.documentElement, cw = de.clientWidth, wide = [];
        document.querySelectorAll('body *').forEach(function (el) {
          var r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > cw + 1 && !(el.parentElement && el.parentElement.closest('.scroll, .chart'))) wide.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '')) + ' right=' + Math.round(r.right));
        });
        var tables = Array.prototype.map.call(document.querySelectorAll('.scroll'), function (el) {
          var t = el.querySelector('table');
          return {table: t ? t.id : '', right: Math.round(el.getBoundingClientRect().right),
                  scrolls: el.scrollWidth > el.clientWidth};
        });
        return {clientWidth: cw, scrollWidth: de.scrollWidth, wide: wide.slice(0, 5), tables: tables};
      })())`,
    }, sessionId);
    const l = JSON.parse(m.result.value);
    l.width = width;
    layout.push(l);
    if (l.scrollWidth > l.clientWidth + 1 || l.wide.length)
      problems.push('page wider than a ' + width + ' px window (' + l.scrollWidth + ' > ' + l.clientWidth + '): ' + l.wide.join(', '));
  }
  await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
  const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId);
  fs.writeFileSync(png, Buffer.from(shot.data, 'base64'));
  console.log(JSON.stringify({ url, charts, layout, requests, console: consoleMessages, problems }, null, 1));
}

const timer = setTimeout(() => { problems.push('timeout'); finish(1); }, 120000);
function finish(code) {
  clearTimeout(timer);
  try { toChrome.write(JSON.stringify({ id: nextId++, method: 'Browser.close', params: {} }) + '\0'); } catch (e) { /* gone */ }
  setTimeout(() => {
    try { proc.kill('SIGKILL'); } catch (e) { /* gone */ }
    fs.rmSync(profile, { recursive: true, force: true });
    if (problems.length) console.error('render_html: ' + problems.join('\n  '));
    process.exit(code || (problems.length ? 1 : 0));
  }, 500);
}
proc.on('error', (e) => { problems.push('cannot start ' + chrome + ': ' + e.message); finish(1); });
main().then(() => finish(0), (e) => { problems.push(String(e && e.stack || e)); if (chromeErr) problems.push(chromeErr.slice(-2000)); finish(1); });
