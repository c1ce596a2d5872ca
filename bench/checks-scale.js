// Idle CPU and latency against the number of checks, for both thread modes: what a service with many
// checks pays for its probes. Each configuration runs in its own child process (bench/servers/checks-scale.js):
// CHECKS instant readiness checks, each run every second. Measured per configuration:
//   - idle CPU: the child's user+system time (all its threads, from /proc) over CHECKS_SCALE_SECONDS, no requests;
//   - p50/p99 of GET /readyz on the probe port and GET / on the app port, 200 of each, one at a time;
//   - propagation: check-0 starts failing (/flip); from the moment the engine records the failure (its
//     transition event, epoch ms in the child) to the first /readyz answering 503 (epoch ms here), polled every 5 ms.
// Standalone: `node bench/checks-scale.js` prints the section; `npm run bench` includes it as comparison 11 (bench/compare/11-checks-scale.js).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHealth, render } from 'probekit';
import { VirtualClock } from 'probekit/testing';

const root = fileURLToPath(new URL('..', import.meta.url));
const COUNTS = (process.env.CHECKS_SCALE_COUNTS ?? '10,100,1000,10000').split(',').map(Number);
const SECONDS = Number(process.env.CHECKS_SCALE_SECONDS ?? 4);
// NOTE: /proc/<pid>/stat counts CPU time in clock ticks, USER_HZ = 100 on Linux.
const TICK = 100;

function start(thread, checks) {
  const child = spawn(process.execPath, ['bench/servers/checks-scale.js'], { cwd: root, env: { ...process.env, THREAD: thread, CHECKS: String(checks) }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${thread} ${checks} did not start in 60 s`)), 60_000);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.startsWith('{"probePort"'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout.resume();
      resolve({ ...JSON.parse(line), pid: child.pid, stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${thread} ${checks} exited with ${code}`));
    });
  });
}

/** user+system CPU seconds of a process, all threads. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t, at: performance.timeOrigin + performance.now(), body }));
    });
    // A server that cannot answer in 5 s fails the request rather than hanging the benchmark.
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${path} took over 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function latencies(port, path, n) {
  const ms = [];
  let failed = 0;
  for (let i = 0; i < n; i++) {
    // A failed request counts as the slowest.
    ms.push(await get(port, path).then((r) => r.ms, () => (failed++, Infinity)));
    await sleep(5);
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99), failed };
}

async function measure(thread, checks) {
  const s = await start(thread, checks);
  try {
    await sleep(2000); // every check has run twice; the JIT has warmed up
    const c0 = cpuSeconds(s.pid);
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const cpu = (cpuSeconds(s.pid) - c0) / ((performance.now() - t0) / 1000);
    const probe = await latencies(s.probePort, '/readyz', 200);
    const app = await latencies(s.appPort, '/', 200);
    await get(s.appPort, '/flip');
    const flipped = performance.now();
    let propagation;
    for (;;) {
      const answer = await get(s.probePort, '/readyz').catch(() => ({ status: 0 }));
      if (answer.status === 503) {
        const { failedAt } = JSON.parse((await get(s.appPort, '/failed-at')).body);
        propagation = answer.at - failedAt;
        break;
      }
      if (performance.now() - flipped > 10_000) break;
      await sleep(5);
    }
    return { thread, checks, cpu, probe, app, propagation };
  } finally {
    s.stop();
  }
}

/** ms per JSON render with details of `checks` failing checks (the 10 KiB cut drops most of them). */
async function jsonRenderMs(checks) {
  const clock = new VirtualClock();
  const engine = createHealth({ clock, env: {} });
  for (let i = 0; i < checks; i++) engine.readiness(`check-${i}`, () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:5432')));
  await clock.advance(1);
  const snapshot = engine.snapshot();
  const request = { method: 'GET', url: '/readyz?format=json', authorization: 'Bearer bench-details-token' };
  const context = { now: clock.now(), loopBlockedMs: 0, detailsToken: 'bench-details-token' };
  for (let i = 0; i < 3; i++) render(snapshot, request, context);
  const n = 20;
  const t = performance.now();
  for (let i = 0; i < n; i++) render(snapshot, request, context);
  engine.stop();
  return (performance.now() - t) / n;
}

const fmt = (n, digits = 0) => (n === undefined ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** Runs every configuration; returns the markdown section. */
export async function checksScale(log = (line) => process.stderr.write(`${line}\n`)) {
  const rows = [];
  const results = [];
  for (const checks of COUNTS) {
    for (const thread of ['worker', 'main']) {
      log(`checks-scale: ${thread} thread, ${checks} checks`);
      const r = await measure(thread, checks);
      results.push(r);
      const failed = r.probe.failed + r.app.failed;
      rows.push(`| ${fmt(checks)} | ${thread} | ${fmt(r.cpu * 100, 1)} % | ${fmt(r.probe.p50, 1)} / ${fmt(r.probe.p99, 1)} | ${fmt(r.app.p50, 1)} / ${fmt(r.app.p99, 1)} | ${fmt(r.propagation)}${failed > 0 ? ` (${failed} requests over 5 s)` : ''} |`);
    }
  }
  const renders = [];
  for (const checks of COUNTS) renders.push(`| ${fmt(checks)} | ${fmt(await jsonRenderMs(checks), 2)} |`);
  const ratio = (checks) => {
    const w = results.find((r) => r.checks === checks && r.thread === 'worker');
    const m = results.find((r) => r.checks === checks && r.thread === 'main');
    return w && m ? w.cpu / m.cpu : undefined;
  };
  return [
    '### 11. Idle CPU and latency against the number of checks (target: worker-mode idle CPU within 1.5× of main mode at 1,000 checks; a change reaches /readyz within 100 ms)',
    '',
    `\`node bench/checks-scale.js\` (comparison 11 of \`npm run bench\`): one child process per row with that many instant readiness checks, each run every second; idle CPU over ${SECONDS} s without requests (all threads of the process, from /proc, 100 % = one core); then 200 GET /readyz on the probe port and 200 GET / on the app port, one at a time; then check-0 starts failing, and /readyz is polled every 5 ms: the last column is the time from the engine recording the failure to the first 503 (an upper bound: it includes up to one 5 ms poll).`,
    '',
    '| checks | probe thread | idle CPU | /readyz p50 / p99, ms | app p50 / p99, ms | failure reaches /readyz within, ms |',
    '|---:|---|---:|---:|---:|---:|',
    ...rows,
    '',
    `Worker ÷ main idle CPU: ${COUNTS.map((n) => `${fmt(n)} checks ${fmt(ratio(n), 2)}×`).join(', ')}.`,
    '',
    'One JSON answer with details (`/readyz?format=json` with the token) when every check fails, so the 10 KiB cut drops most of them; in this process, mean of 20:',
    '',
    '| checks | ms per render |',
    '|---:|---:|',
    ...renders,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await checksScale()}\n`);
}
