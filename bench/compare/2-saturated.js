import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { rounds, seconds, contenders, startServer, autocannon, probe, median, percentile, fmt, range, log, rotate, verdict } from '../lib/common.js';

// 2. Probe latency while the main loop is saturated: 20 ms of synchronous work per app request, 4 concurrent.
export async function measure() {
  log(`2. probe latency under a saturated main loop: ${contenders.length} contenders × ${rounds} rounds × ${seconds} s`);
  const results = new Map(contenders.map((c) => [c.name, { p50: [], p99: [], max: [], failed: 0, total: 0 }]));
  for (let round = 0; round < rounds; round++) {
    for (const c of rotate(contenders, round)) {
      const s = await startServer(c);
      try {
        const load = autocannon(`http://127.0.0.1:${s.appPort}/work`, ['-c', '4', '-d', String(seconds + 1)]);
        await sleep(500);
        const latencies = [];
        const row = results.get(c.name);
        const until = performance.now() + seconds * 1000;
        // A probe every 10 ms, each independent (as kubelet probe workers are), so a stalled answer does not delay the
        // next; ~100 probes a second, so that a round's p99 is a percentile and not just its slowest probe.
        const pending = [];
        while (performance.now() < until) {
          pending.push(probe(s.probePort, s.live).then((r) => (r.status === 200 ? latencies.push(r.end - r.start) : row.failed++)));
          await sleep(10);
        }
        await Promise.all(pending);
        row.total += pending.length;
        await load;
        row.p50.push(percentile(latencies, 50));
        row.p99.push(percentile(latencies, 99));
        row.max.push(Math.max(...latencies));
        log(`   round ${round + 1} ${c.name}: p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms, ${row.failed} failed so far`);
      } finally {
        s.stop();
      }
    }
  }
  const lines = [
    `### 2. Liveness latency while the main loop is saturated (target: probekit worker p99 ≤ 10 ms)`,
    '',
    `autocannon keeps 4 requests in flight on the app port, each doing 20 ms of synchronous work on the main loop; meanwhile a liveness probe every 10 ms on a fresh connection with a 1 s timeout (each as the kubelet sends one; this many so that a round's p99 is a percentile). ${seconds} s per round, ${rounds} rounds; median (min–max) of the per-round values. "failed" = timeouts or non-200 answers over all rounds.`,
    '',
    '| contender | p50 ms | p99 ms | max ms | failed / probes |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const c of contenders) {
    const r = results.get(c.name);
    lines.push(`| ${c.name} | ${fmt(median(r.p50), 1)} (${range(r.p50, 1)}) | ${fmt(median(r.p99), 1)} (${range(r.p99, 1)}) | ${fmt(median(r.max), 1)} (${range(r.max, 1)}) | ${r.failed} / ${r.total} |`);
  }
  const w = results.get(contenders[0].name);
  lines.push('', verdict(median(w.p99) <= 10, `probekit's worker-thread p99 is ${fmt(median(w.p99), 1)} ms (median of the rounds; target ≤ 10 ms). ${fmt(w.total / rounds)} probes per round.`));
  return (lines.join('\n'));
}
