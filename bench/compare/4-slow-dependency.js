import { setTimeout as sleep } from 'node:timers/promises';
import { seconds, contenders, startServer, autocannon, fmt, log, verdict, withChecks } from '../lib/common.js';

export async function measure() {
  const d = Math.max(seconds, 5);
  log(`4. /readyz latency with a 2 s dependency: ${withChecks.length} contenders, ${d} s`);
  const lines = [
    `### 4. Readiness latency with a 2 s dependency (target: p99 ≤ 5 ms)`,
    '',
    `The dependency check takes 2,000 ms; measured after a 2.5 s settle. autocannon, 10 connections, ${d} s on the readiness path. One round.`,
    '',
    '| contender | req/s | p50 ms | p99 ms | 2xx | non-2xx + errors |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  const verdicts = [];
  for (const c of withChecks) {
    const s = await startServer(c, { DEP_MS: '2000' });
    try {
      // Let the first 2 s check finish, so probekit's readiness has a result (it answers 503 before that, by design).
      await sleep(2500);
      const r = await autocannon(`http://127.0.0.1:${s.probePort}${s.ready}`, ['-c', '10', '-d', String(d), '-t', '10']);
      log(`   ${c.name}: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`);
      lines.push(`| ${c.name} | ${fmt(r.requests.average)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p99)} | ${r['2xx']} | ${r.non2xx + r.errors + r.timeouts} |`);
      if (c.script === 'probekit.js') verdicts.push(verdict(r.latency.p99 <= 5 && r.non2xx === 0, `${c.name}: p99 ${fmt(r.latency.p99)} ms, ${r.non2xx} non-2xx (target p99 ≤ 5 ms, answered from the last result).`));
    } finally {
      s.stop();
    }
  }
  lines.push('', ...verdicts.map((v) => `- ${v}`));
  return (lines.join('\n'));
}
