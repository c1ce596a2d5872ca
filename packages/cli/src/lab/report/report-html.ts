import type { ProbeKind } from 'probekit/internal';
import { formatComparison } from './compare.js';
import { clock, configuration, formatSummary, recoveryText, seconds } from './report-text.js';
import { FAILURE_CAUSES, type LabResult, type PodReport } from '../simulate.js';
import type { Segment } from '../model/timeline.js';

const W = 1100;
const LEFT = 110;
const PLOT = W - LEFT - 20;

const STATE_COLOR: Record<string, string> = {
  creating: '#d0d4da',
  running: '#9cc3e6',
  terminating: '#f3b25b',
  backoff: '#d9534f',
  gone: '#ffffff',
};
const PROBE_COLOR: Record<ProbeKind, string> = { startup: '#8e6bbf', liveness: '#c0392b', readiness: '#e67e22' };
const DEP_COLOR: Record<string, string> = { up: '#5cb85c', down: '#d9534f', hang: '#7f1d1d', slow: '#f0ad4e', flapping: '#e377c2', jitter: '#bcbd22' };

/** A self-contained HTML page: summary, an SVG timeline per pod, dependencies and traffic. No external resource. */
export function renderHtml(results: readonly LabResult[]): string {
  const title = results.map((r) => r.scenario.name).join(' vs ');
  const columns = results.map((r) => `<section class="run">${runHtml(r)}</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>probekit-cli lab: ${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:16px;color:#1d232b;background:#fff}
h1{font-size:20px;margin:0 0 8px} h2{font-size:17px;margin:8px 0 4px} .desc{color:#4a5563;margin:0 0 8px}
.runs{display:flex;gap:24px;flex-wrap:wrap} .run{flex:1 1 ${W}px;min-width:0}
table{border-collapse:collapse;margin:6px 0 10px} td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #e5e7eb} td:first-child,th:first-child{text-align:left}
.totals{font-weight:600} .kpi{display:flex;gap:18px;flex-wrap:wrap;margin:6px 0 10px} .kpi div{background:#f3f4f6;border-radius:6px;padding:6px 10px}
.kpi b{display:block;font-size:18px} .bad b{color:#b91c1c} .good b{color:#15803d}
svg{display:block;max-width:100%;height:auto} .legend span{display:inline-block;margin-right:12px} .sw{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
pre{background:#f8fafc;padding:8px;overflow:auto;font-size:12px}
</style></head><body>
<h1>probekit-cli lab: ${esc(title)}</h1>
${results.length === 2 ? `<pre>${esc(formatComparison(results[0]!, results[1]!))}</pre>` : ''}
<div class="runs">
${columns}
</div>
<p class="legend">
${Object.entries(STATE_COLOR).filter(([k]) => k !== 'gone').map(([k, c]) => `<span><i class="sw" style="background:${c}"></i>${k === 'backoff' ? 'CrashLoopBackOff' : k}</span>`).join('')}
<span><i class="sw" style="background:#2e7d32"></i>Ready</span><span><i class="sw" style="background:#1565c0"></i>in the load balancer</span>
${Object.entries(PROBE_COLOR).map(([k, c]) => `<span><i class="sw" style="background:${c}"></i>failed ${k} probe</span>`).join('')}
<span>▼ restart</span>
</p>
</body></html>
`;
}

function runHtml(r: LabResult): string {
  const s = r.summary;
  const kpi = (label: string, value: string, bad: boolean): string => `<div class="${bad ? 'bad' : 'good'}"><b>${esc(value)}</b>${esc(label)}</div>`;
  const causes = FAILURE_CAUSES.filter((c) => r.traffic.byCause[c] > 0).map((c) => `${c} ${r.traffic.byCause[c]}`).join(', ');
  const rows = r.pods
    .map((p) => `<tr><td>${esc(p.name)}</td><td>${p.restarts}</td><td>${seconds(p.unreadySeconds * 1000)}</td><td>${p.probeFailures.startup}/${p.probeFailures.liveness}/${p.probeFailures.readiness}</td></tr>`)
    .join('');
  return `<h2>${esc(r.scenario.name)}</h2><p class="desc">${esc(r.scenario.description)} — ${r.scenario.replicas} replicas, ${clock(r.scenario.durationMs)} ${r.mode === 'real' ? 'of real processes in real time' : 'simulated'}, seed ${r.scenario.seed}, ${esc(configuration(r))}</p>
<div class="kpi">${kpi('restarts', String(s.restarts), s.restarts > 0)}${kpi('requests failed', `${s.requestsFailed} / ${r.traffic.total}`, s.requestsFailed > 0)}${kpi('outage (no endpoint)', seconds(s.outageSeconds * 1000), s.outageSeconds > 0)}${kpi('time to recover', recoveryText(r, true), s.recovery === 'never' || (s.recoverSeconds ?? 0) > 0)}</div>
${causes ? `<p>failed requests by cause: ${esc(causes)}</p>` : ''}
${timelineSvg(r)}
<table><thead><tr><th>pod</th><th>restarts</th><th>unready</th><th>failed probes s/l/r</th></tr></thead><tbody>${rows}
<tr class="totals"><td>total</td><td>${s.restarts}</td><td>${seconds(s.unreadySeconds * 1000)}</td><td></td></tr></tbody></table>
<details><summary>text summary</summary><pre>${esc(formatSummary(r))}</pre></details>`;
}

/** The SVG timeline of one run (dependencies, one lane group per pod, failed requests), usable on its own. */
export function timelineSvg(r: LabResult): string {
  const end = r.scenario.durationMs;
  const x = (t: number): number => LEFT + (Math.min(Math.max(t, 0), end) / end) * PLOT;
  const parts: string[] = [];
  let y = 24;
  // Axis.
  for (let i = 0; i <= 6; i++) {
    const t = (end * i) / 6;
    parts.push(`<line x1="${x(t).toFixed(1)}" y1="16" x2="${x(t).toFixed(1)}" y2="HEIGHT" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="12" font-size="11" text-anchor="middle" fill="#4a5563">${clock(t)}</text>`);
  }
  for (const dep of r.dependencies) {
    parts.push(label(y + 9, dep.name));
    parts.push(...bars(dep.state, y, 12, x, (v) => DEP_COLOR[v] ?? '#999', (s) => `${dep.name}: ${s.value} ${clock(s.from)}–${clock(s.to)}`));
    y += 20;
  }
  for (const pod of r.pods) {
    parts.push(...podRows(pod, y, x));
    y += 48;
  }
  // Traffic: failed share per column.
  const cols = Math.min(PLOT, r.traffic.failedPerBucket.length);
  const per = r.traffic.failedPerBucket.length / cols;
  parts.push(label(y + 20, 'requests'));
  for (let c = 0; c < cols; c++) {
    let f = 0;
    let total = 0;
    for (let b = Math.floor(c * per); b < Math.floor((c + 1) * per); b++) {
      f += r.traffic.failedPerBucket[b]!;
      total += r.traffic.servedPerBucket[b]! + r.traffic.failedPerBucket[b]!;
    }
    if (total === 0) continue;
    const x0 = LEFT + (c / cols) * PLOT;
    const w = Math.max(PLOT / cols, 1);
    const hf = (f / total) * 30;
    parts.push(`<rect x="${x0.toFixed(1)}" y="${(y + 30 - hf).toFixed(1)}" width="${w.toFixed(1)}" height="${hf.toFixed(1)}" fill="#d9534f"/>`);
    parts.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${(30 - hf).toFixed(1)}" fill="#c8e6c9"/>`);
  }
  y += 40;
  const height = y;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" font-family="system-ui, sans-serif" role="img" aria-label="timeline of ${esc(r.scenario.name)}">
${parts.join('\n').replaceAll('HEIGHT', String(height - 4))}
</svg>`;
}

function podRows(pod: PodReport, y: number, x: (t: number) => number): string[] {
  const out: string[] = [label(y + 14, pod.name)];
  out.push(...bars(pod.state, y, 10, x, (v) => STATE_COLOR[v] ?? '#999', (s) => `${pod.name}: ${s.value === 'backoff' ? 'CrashLoopBackOff' : s.value} ${clock(s.from)}–${clock(s.to)}`));
  out.push(...bars(pod.ready.filter((s) => s.value === 'ready'), y + 12, 7, x, () => '#2e7d32', (s) => `${pod.name}: Ready ${clock(s.from)}–${clock(s.to)}`));
  out.push(...bars(pod.loadBalancer.filter((s) => s.value === 'in'), y + 21, 7, x, () => '#1565c0', (s) => `${pod.name}: in the load balancer ${clock(s.from)}–${clock(s.to)}`));
  const lanes: Record<ProbeKind, number> = { startup: 0, liveness: 1, readiness: 2 };
  let lastX = -1;
  let lastKind = '';
  for (const f of pod.failures) {
    const px = x(f.at);
    if (Math.abs(px - lastX) < 0.8 && lastKind === f.kind) continue; // one tick per pixel is enough
    lastX = px;
    lastKind = f.kind;
    const ly = y + 30 + lanes[f.kind] * 4;
    out.push(`<rect x="${px.toFixed(1)}" y="${ly}" width="2" height="4" fill="${PROBE_COLOR[f.kind]}"><title>${esc(`${clock(f.at)} ${f.kind} failed: ${f.detail}`)}</title></rect>`);
  }
  for (const e of pod.events) {
    if (e.type !== 'started' || !e.detail.startsWith('container restarted')) continue;
    const px = x(e.at);
    out.push(`<path d="M${(px - 4).toFixed(1)} ${y - 4} h8 l-4 6 z" fill="#111"><title>${esc(`${clock(e.at)} ${e.detail}`)}</title></path>`);
  }
  return out;
}

function bars(segments: readonly Segment[], y: number, h: number, x: (t: number) => number, color: (v: string) => string, title: (s: Segment) => string): string[] {
  return segments
    .filter((s) => s.value !== 'gone')
    .map((s) => {
      const x0 = x(s.from);
      const w = Math.max(x(s.to) - x0, 0.5);
      return `<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${h}" fill="${color(s.value)}"><title>${esc(title(s))}</title></rect>`;
    });
}

function label(y: number, text: string): string {
  return `<text x="${LEFT - 8}" y="${y}" font-size="12" text-anchor="end" fill="#1d232b">${esc(text)}</text>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
