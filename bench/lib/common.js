// Shared by the comparisons in bench/compare/: the contenders, server processes, load, probes, statistics.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
export const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const autocannonBin = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));

export const cores = os.cpus().length;
export const pinned = process.env.BENCH_PIN !== '0' && cores >= 2 && spawnSync('taskset', ['-V']).status === 0;
export const serverCores = cores > 2 ? `0-${cores - 2}` : '0';
export const loadCore = String(cores - 1);
// Pin this process (and so autocannon and every command it spawns, which inherit it) to the load core.
if (pinned && spawnSync('taskset', ['-a', '-pc', loadCore, String(process.pid)]).status !== 0) throw new Error('taskset could not pin the runner');
/** argv for a server process: pinned to the server cores when pinning. */
export const serverArgv = (args) => (pinned ? ['taskset', ['-c', serverCores, process.execPath, ...args]] : [process.execPath, args]);

export const contenders = [
  { name: 'probekit (worker thread)', script: 'probekit.js', env: { THREAD: 'worker' } },
  { name: 'probekit (main thread)', script: 'probekit.js', env: { THREAD: 'main' } },
  { name: 'bare node:http `res.end(\'ok\')`', script: 'bare.js', env: {} },
  { name: 'Fastify route', script: 'fastify.js', env: {} },
  { name: 'lightship', script: 'lightship.js', env: {} },
  { name: '@godaddy/terminus', script: 'terminus.js', env: {} },
  { name: '@cloudnative/health-connect', script: 'health-connect.js', env: {} },
];
export const BARE = contenders[2].name;
export const allContenders = contenders;

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

/** Starts a server script; resolves with its ports once it announces them. */
export function startServer(contender, extraEnv = {}) {
  const [command, args] = serverArgv([`bench/servers/${contender.script}`]);
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...contender.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${contender.name} did not start in 15 s`)), 15_000);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{"probePort"')) continue;
        clearTimeout(timer);
        const ports = JSON.parse(line);
        child.stdout.resume();
        resolve({
          ...ports,
          pid: child.pid,
          stop: () => {
            child.kill('SIGKILL');
            children.delete(child);
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${contender.name} exited with ${code} before announcing its ports`));
    });
  });
}

/** Runs autocannon in its own process and returns its JSON result. */
export function autocannon(url, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [autocannonBin, '--json', ...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.resume();
    child.once('exit', (code) => {
      children.delete(child);
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      resolve(JSON.parse(out));
    });
  });
}

/** One probe the way the kubelet sends it: a fresh connection, a 1 s timeout. */
export function probe(port, path, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve({ start, end: performance.now(), status: res.statusCode }));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve({ start, end: performance.now(), status: 0 }));
    req.end();
  });
}

export function get(port, path) {
  return probe(port, path, 30_000);
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
export const fmt = (x, digits = 0) => (x === undefined || Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
export const range = (xs, digits = 0) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
export const log = (line) => process.stderr.write(`${line}\n`);
export const rotate = (xs, n) => xs.map((_, i) => xs[(i + n) % xs.length]);

export const verdict = (met, text) => `**${met ? 'Target met' : 'Target missed'}:** ${text}`;

export function body(port, path) {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.once('end', () => resolve(text));
    })
      .once('error', reject)
      .end();
  });
}

// 5. Idle CPU and RSS: probekit with 10 checks vs the same process without probekit, measured side by side from /proc.
export function procSample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return { ticks, rssKb };
}

/** The contenders that have checks to call (bare node:http and lightship have none). */
export const withChecks = contenders.filter((c) => !['bare.js', 'lightship.js'].includes(c.script));
