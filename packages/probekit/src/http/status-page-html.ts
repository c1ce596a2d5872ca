// The status page: one self-contained document (no external assets), its script polling
// `/statusz?format=json` once a second. Everything from the server is written with textContent,
// never as HTML, so a check name or a reason cannot inject markup.

export const STATUS_PAGE_STYLE = `
:root { color-scheme: light; --ok: #1a7f37; --fail: #cf222e; --warn: #9a6700; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #fff; }
header { padding: 14px 20px; border-bottom: 1px solid var(--line); background: var(--bg); display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; }
#probes { display: flex; flex-wrap: wrap; gap: 8px; }
h1 { font-size: 16px; margin: 0 8px 0 0; }
h2 { font-size: 14px; margin: 22px 0 8px; }
main { padding: 0 20px 24px; }
.pill { display: inline-flex; gap: 6px; align-items: center; padding: 2px 10px; border-radius: 999px; border: 1px solid var(--line); background: #fff; font-weight: 600; }
.pill.ok { color: var(--ok); border-color: #aceebb; background: #dafbe1; }
.pill.fail { color: var(--fail); border-color: #ffcecb; background: #ffebe9; }
.pill.warn { color: var(--warn); border-color: #f5e0a3; background: #fff8c5; }
.pill small { font-weight: 400; color: var(--muted); }
.meta { color: var(--muted); margin-left: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num { font-variant-numeric: tabular-nums; }
#checks td:nth-child(-n+3), #checks td.num { white-space: nowrap; }
.status { font-weight: 600; text-transform: uppercase; font-size: 12px; }
.status.pass { color: var(--ok); } .status.fail { color: var(--fail); } .status.warn { color: var(--warn); } .status.pending { color: var(--muted); }
.strip { display: flex; align-items: flex-end; gap: 2px; height: 28px; }
.strip span { display: block; width: 6px; min-height: 3px; border-radius: 1px; background: var(--ok); }
.strip span.fail { background: var(--fail); }
.strip span.empty { background: var(--line); height: 3px; }
.reason { color: var(--muted); max-width: 420px; overflow-wrap: anywhere; }
.banner { display: none; margin: 14px 0 0; padding: 8px 12px; border-radius: 6px; background: #ffebe9; color: var(--fail); border: 1px solid #ffcecb; }
.banner.on { display: block; }
`;

export const STATUS_PAGE_SCRIPT = `
(() => {
  'use strict';
  const token = new URLSearchParams(location.search).get('token');
  const source = 'statusz?format=json' + (token ? '&token=' + encodeURIComponent(token) : '');
  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  };
  const ms = (value) => (value >= 10000 ? (value / 1000).toFixed(0) + ' s' : value >= 1000 ? (value / 1000).toFixed(1) + ' s' : Math.round(value) + ' ms');
  const ago = (now, at) => (at === undefined ? '' : ms(Math.max(0, now - at)) + ' ago');
  const pill = (className, label, note) => {
    const node = el('span', 'pill ' + className, label);
    if (note) node.append(el('small', '', note));
    return node;
  };
  let lastOk = 0;

  function strip(check, length) {
    const node = el('div', 'strip');
    node.setAttribute('aria-label', 'recent runs of ' + check.name);
    const runs = check.recent;
    const longest = Math.max(1, ...runs.map((r) => r.durationMs));
    for (let i = runs.length; i < length; i++) node.append(el('span', 'empty'));
    for (const run of runs) {
      const bar = el('span', run.ok ? 'pass' : 'fail');
      bar.style.height = Math.max(12, Math.round((run.durationMs / longest) * 100)) + '%';
      bar.title = (run.ok ? 'pass' : 'fail') + ', took ' + ms(run.durationMs);
      node.append(bar);
    }
    return node;
  }

  function render(view) {
    const head = $('probes');
    head.replaceChildren();
    for (const probe of view.probes) head.append(pill(probe.ok ? 'ok' : 'fail', '/' + probe.endpoint + (probe.ok ? ' ok' : ' failing'), probe.failing.join(', ')));
    head.append(pill(view.started ? 'ok' : 'warn', view.started ? 'started' : 'starting'));
    if (view.shuttingDown) head.append(pill('fail', 'shutting down'));
    // Below 100 ms is timer jitter, not a blocked loop; past maxLagMs readiness fails.
    const blocked = view.loopBlockedMs;
    head.append(blocked < 100 ? pill('ok', 'main loop running') : pill(view.maxLagMs > 0 && blocked >= view.maxLagMs ? 'fail' : 'warn', 'main loop blocked', ms(blocked)));

    const rows = $('checks');
    rows.replaceChildren();
    for (const check of view.checks) {
      const tr = el('tr');
      tr.append(el('td', '', check.name));
      tr.append(el('td', '', check.probes.join(', ') + (check.critical ? '' : ' (non-critical)')));
      tr.append(el('td', 'status ' + check.status, check.status));
      const cell = el('td');
      cell.append(strip(check, view.historyLength));
      tr.append(cell);
      tr.append(el('td', 'num', check.lastRun ? ms(check.lastRun.durationMs) + ', ' + ago(view.now, check.lastRun.at) : check.kind === 'heartbeat' ? 'heartbeat' : 'not run yet'));
      const t = check.transition;
      const transition = el('td', 'reason', t ? t.from + ' \\u2192 ' + t.to + ' ' + ago(view.now, t.at) + (t.reason ? ': ' + t.reason : '') : 'none yet');
      tr.append(transition);
      rows.append(tr);
    }

    const codes = [...new Set(view.requests.map((r) => r.code))].sort();
    const endpoints = [...new Set(view.requests.map((r) => r.probe))].sort();
    const table = $('requests');
    table.replaceChildren();
    const header = el('tr');
    header.append(el('th', '', 'endpoint'));
    for (const code of codes) header.append(el('th', '', code));
    table.append(header);
    for (const endpoint of endpoints) {
      const tr = el('tr');
      tr.append(el('td', '', '/' + endpoint));
      for (const code of codes) {
        const found = view.requests.find((r) => r.probe === endpoint && r.code === code);
        tr.append(el('td', 'num', found ? found.count : 0));
      }
      table.append(tr);
    }
    $('served').textContent = 'served from the ' + (view.thread === 'worker' ? 'probe worker thread' : 'main thread');
  }

  async function tick() {
    try {
      const response = await fetch(source, { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      render(await response.json());
      lastOk = Date.now();
      $('banner').className = 'banner';
      document.body.dataset.updated = String(lastOk);
    } catch (error) {
      $('banner').textContent = 'No answer from the probe server (' + error.message + ')' + (lastOk ? '; last update ' + ms(Date.now() - lastOk) + ' ago' : '');
      $('banner').className = 'banner on';
    } finally {
      setTimeout(tick, 1000);
    }
  }
  tick();
})();
`;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>probekit status</title>
<style>${STATUS_PAGE_STYLE}</style>
</head>
<body>
<header><h1>probekit status</h1><span id="probes"></span><span class="meta" id="served"></span></header>
<main>
<div class="banner" id="banner" role="alert"></div>
<h2>Checks</h2>
<table>
<thead><tr><th>check</th><th>probes</th><th>status</th><th>recent runs (height: duration)</th><th>last run</th><th>last transition</th></tr></thead>
<tbody id="checks"></tbody>
</table>
<h2>Probe requests answered</h2>
<table id="requests"></table>
</main>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;
