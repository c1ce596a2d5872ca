import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { skipUnlessTool } from '@probekit/test-support';
import { loadScenario } from '../scenario/load-scenario.js';
import { renderHtml } from './report-html.js';
import { formatSummary, formatTimeline } from './report-text.js';
import { simulate } from '../simulate.js';

const CHROMIUM = '/usr/bin/chromium';
const shipped = (name: string): string => fileURLToPath(new URL(`../../../scenarios/${name}.yaml`, import.meta.url));

test('the summary table lists restarts and unready seconds per pod and the traffic outcome', async () => {
  const r = await simulate(await loadScenario(shipped('redis-blip')));
  assert.equal(
    formatSummary(r),
    `redis-blip — Redis down for 20 s; readiness on Redis, liveness internal only -> removal, no restart
3 replicas, 3m simulated, seed 1, Kubernetes 1.34 kubelet, kube-proxy

pod    restarts  unready  failed probes s/l/r  at the end
pod-0         0   21.0 s                0/0/6       ready
pod-1         0   24.9 s                0/0/6       ready
pod-2         0   21.4 s                0/0/6       ready
total         0   67.3 s

requests: 1800 sent, 1490 served, 310 failed (no-endpoints 191, dependency 119)
outage (no endpoint to send to): 11.1 s
time to recover after the last fault: 6.9 s
`,
  );
});

test('a run that never recovered says so, in the text and in red in the HTML report', async () => {
  const r = await simulate(await loadScenario(shipped('slow-boot-no-startup')));
  assert.equal(r.summary.recovery, 'no fault');
  const never = { ...r, summary: { ...r.summary, recovery: 'never' as const, recoverSeconds: null } };
  assert.match(formatSummary(never), /time to recover after the last fault: never \(a replica was still out of the load balancer at the end\)/);
  assert.match(renderHtml([never]), /<div class="bad"><b>never<\/b>time to recover<\/div>/);
  assert.match(formatSummary(r), /time to recover after the last fault: no fault ended in the run/);
});

test('the terminal timeline shows the blip on Redis and each pod out of the load balancer, no restart mark', async () => {
  const r = await simulate(await loadScenario(shipped('redis-blip')));
  const lines = formatTimeline(r, 36).split('\n');
  assert.equal(lines[1], 'redis    |------------DDDD--------------------|');
  assert.equal(lines[2], 'pod-0    |..###########....###################|');
  assert.ok(!lines.slice(2, 5).some((l) => l.includes('!')));
});

test('the HTML report renders in headless Chromium: one SVG timeline, a row per pod, a non-blank screenshot', { skip: await skipUnlessTool('chromium', existsSync(CHROMIUM)), timeout: 120_000 }, async () => {
  const results = [await simulate(await loadScenario(shipped('restart-storm')))];
  const html = renderHtml(results);
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'self-contained: no external resource');
  assert.equal(html.match(/<svg /g)?.length, 1);
  for (let i = 0; i < 10; i++) assert.ok(html.includes(`>pod-${i}</text>`), `pod-${i} has a row`);
  const dir = await mkdtemp(join(tmpdir(), 'probekit-lab-'));
  const page = join(dir, 'report.html');
  const shot = join(dir, 'report.png');
  await writeFile(page, html);
  await promisify(execFile)(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`,
    `--screenshot=${shot}`, '--window-size=1400,900', pathToFileURL(page).href,
  ], { timeout: 100_000 });
  const png = await readFile(shot);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  assert.ok((await stat(shot)).size > 20_000, `a screenshot with content, got ${png.length} bytes (kept in ${dir})`);
});
