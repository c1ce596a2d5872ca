// 10. Lab scaling with replicas: one simulated minute of N replicas (bench/lab-scale.js), one size per process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, log, verdict } from '../lib/common.js';

const script = fileURLToPath(new URL('../lab-scale.js', import.meta.url));
// 100,000 replicas need about 4 GB and several minutes: BENCH_LAB_SCALE=1000,20000,100000 to include it.
const sizes = (process.env.BENCH_LAB_SCALE ?? '1000,5000,10000,20000').split(',').map(Number);
const TARGETS = { 20_000: 15_000, 100_000: 90_000 };

export async function measure() {
  log(`10. lab scaling: ${sizes.join(', ')} replicas × 1 simulated minute, one size per process`);
  const rows = [];
  for (const replicas of sizes) {
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', script, String(replicas)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/lab-scale.js ${replicas} exited with ${r.status}: ${r.stderr}`);
    const row = JSON.parse(r.stdout.trim().split('\n').pop());
    log(`   ${fmt(replicas)} replicas: ${fmt(row.cpuMs)} ms CPU, ${fmt(row.wallMs)} ms wall, ${fmt(row.maxRssMb)} MB`);
    rows.push(row);
  }
  const checked = rows.filter((r) => TARGETS[r.replicas] !== undefined);
  const lines = [
    '### 10. Lab scaling with replicas (1 simulated minute)',
    '',
    '`node bench/lab-scale.js <replicas>`: one simulated minute of N replicas behind kube-proxy (readiness on Redis every 5 s, Redis down 20–35 s so every replica leaves the load balancer and comes back, 50 requests per second); one size per process. CPU time is the lab\'s own; wall time also counts whatever else the machine ran.',
    '',
    '| replicas | events | CPU time, s | wall time, s | peak RSS, MB |',
    '|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${fmt(r.replicas)} | ${fmt(r.events)} | ${fmt(r.cpuMs / 1000, 1)} | ${fmt(r.wallMs / 1000, 1)} | ${fmt(r.maxRssMb)} |`),
    '',
    checked.length === 0
      ? 'No size with a target was run (targets: 20,000 replicas under 15 s, 100,000 under 90 s of CPU time).'
      : verdict(checked.every((r) => r.cpuMs <= TARGETS[r.replicas]), checked.map((r) => `${fmt(r.replicas)} replicas × 1 min in ${fmt(r.cpuMs / 1000, 1)} s of CPU time (target ≤ ${TARGETS[r.replicas] / 1000} s)`).join('; ') + '.'),
  ];
  return lines.join('\n');
}
