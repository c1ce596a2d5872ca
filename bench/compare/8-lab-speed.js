import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rounds, seconds, median, fmt, range, log, verdict } from '../lib/common.js';

// 8. Lab speed: the bench-day scenario (24 h × 100 replicas, the real engine per pod on a virtual clock).
export async function measure() {
  const runs = rounds;
  log(`8. lab simulation speed: scenarios/bench-day.yaml, ${runs} runs`);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../lab.js', import.meta.url))], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/lab.js exited with ${r.status}: ${r.stderr}`);
    results.push({ ...JSON.parse(r.stdout), processMs: performance.now() - t });
    log(`   run ${i + 1}: ${fmt(results.at(-1).wallMs)} ms simulating, ${fmt(results.at(-1).processMs)} ms for the process`);
  }
  const first = results[0];
  const wall = results.map((r) => r.wallMs);
  const whole = results.map((r) => r.processMs);
  const target = 5000;
  return [
      `### 8. Lab simulation speed (${first.simulatedHours} h × ${first.replicas} replicas)`,
      '',
      `\`node bench/lab.js\`: scenarios/bench-day.yaml (${fmt(first.podHours)} pod-hours, Redis down three times, one stalled pod; a real probekit engine per pod on the virtual clock), ${runs} runs in a row; median (min–max). It runs in one process, so pinning leaves it one core.`,
      '',
      '| events | simulating, ms | whole process, ms | events/s | simulated time ÷ wall time |',
      '|---:|---:|---:|---:|---:|',
      `| ${fmt(first.events)} | ${fmt(median(wall))} (${range(wall)}) | ${fmt(median(whole))} (${range(whole)}) | ${fmt(first.events / (median(wall) / 1000))} | ${fmt((first.podHours * 3_600_000) / median(wall))}× (pod time) |`,
      '',
      verdict(median(whole) <= target, `a simulated day of ${first.replicas} replicas takes ${fmt(median(whole) / 1000, 1)} s from start to exit (the goal "seconds", read here as ≤ ${target / 1000} s).`),
  ].join('\n');
}
