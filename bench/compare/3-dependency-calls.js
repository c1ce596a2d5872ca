import { setTimeout as sleep } from 'node:timers/promises';
import { seconds, contenders, startServer, autocannon, probe, fmt, log, verdict, body, withChecks } from '../lib/common.js';

// 3 and 4: how often the dependency runs under a 1,000 req/s readiness flood, and readiness latency with a 2 s dependency.
export async function measure() {
  const floodSeconds = Math.max(seconds, 5);
  log(`3. dependency calls under a 1,000 req/s /readyz flood: ${withChecks.length} contenders, ${floodSeconds} s`);
  const lines = [
    `### 3. Dependency calls per second under a 1,000 req/s readiness flood (target: set by the check interval alone)`,
    '',
    `autocannon \`-R 1000 -c 10\` on the readiness path for ${floodSeconds} s; the count comes from the dependency function itself. probekit runs the check every \`intervalMs\` (default 5000 ms) whatever the probe rate. One round. bare node:http and lightship have no checks to call and are left out.`,
    '',
    '| contender | probe req/s | non-2xx + errors | dependency calls | dependency calls/s |',
    '|---|---:|---:|---:|---:|',
  ];
  const verdicts = [];
  for (const c of withChecks) {
    const s = await startServer(c);
    try {
      await sleep(300);
      const before = JSON.parse(await body(s.appPort, '/stats')).depCalls;
      const r = await autocannon(`http://127.0.0.1:${s.probePort}${s.ready}`, ['-R', '1000', '-c', '10', '-d', String(floodSeconds)]);
      const after = JSON.parse(await body(s.appPort, '/stats')).depCalls;
      const calls = after - before;
      log(`   ${c.name}: ${fmt(r.requests.average)} req/s, ${calls} dependency calls`);
      lines.push(`| ${c.name} | ${fmt(r.requests.average)} | ${r.non2xx + r.errors + r.timeouts} | ${calls} | ${fmt(calls / floodSeconds, 1)} |`);
      // One run per 5 s interval, plus at most one for a window edge.
      if (c.script === 'probekit.js') verdicts.push(verdict(calls <= Math.ceil(floodSeconds / 5) + 1, `${c.name} called the dependency ${calls} times in ${floodSeconds} s at ${fmt(r.requests.average)} probes/s (at most ${Math.ceil(floodSeconds / 5) + 1} allowed by a 5 s interval).`));
    } finally {
      s.stop();
    }
  }
  lines.push('', ...verdicts.map((v) => `- ${v}`));
  return (lines.join('\n'));
}
