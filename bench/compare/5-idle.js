import { setTimeout as sleep } from 'node:timers/promises';
import { contenders, startServer, fmt, log, procSample } from '../lib/common.js';

// 5. Idle CPU and RSS: probekit with 10 checks vs the same process without probekit, measured side by side from /proc.

export async function measure() {
  if (process.platform !== 'linux') {
    return ('### 5. Idle CPU and RSS\n\nNot measured on this run: it reads /proc, which needs Linux.');
  }
  const window = 10;
  log(`5. idle CPU and RSS over ${window} s`);
  const pair = [
    { name: 'without probekit (bare node:http)', contender: contenders[2], env: {} },
    { name: 'probekit, 10 checks, worker thread', contender: contenders[0], env: { CHECKS: '10' } },
    { name: 'probekit, 10 checks, main thread', contender: contenders[1], env: { CHECKS: '10' } },
  ];
  const servers = [];
  for (const p of pair) servers.push(await startServer(p.contender, p.env));
  try {
    await sleep(2000);
    const before = servers.map((s) => procSample(s.pid));
    await sleep(window * 1000);
    const after = servers.map((s) => procSample(s.pid));
    const hz = 100; // USER_HZ on Linux
    const lines = [
      `### 5. Idle CPU and RSS (10 checks vs the same process without probekit)`,
      '',
      `All three processes idle side by side for ${window} s after a 2 s settle; CPU from utime+stime in /proc/<pid>/stat (10 ms ticks), RSS from /proc/<pid>/status at the end. One round. The checks are instant and run every 5 s (default interval).`,
      '',
      '| process | CPU ms in ' + window + ' s | CPU % of one core | RSS MiB |',
      '|---|---:|---:|---:|',
    ];
    pair.forEach((p, i) => {
      const cpuMs = ((after[i].ticks - before[i].ticks) * 1000) / hz;
      log(`   ${p.name}: ${cpuMs} ms CPU, ${fmt(after[i].rssKb / 1024, 1)} MiB RSS`);
      lines.push(`| ${p.name} | ${fmt(cpuMs)} | ${fmt((cpuMs / (window * 1000)) * 100, 2)} % | ${fmt(after[i].rssKb / 1024, 1)} |`);
    });
    return (lines.join('\n'));
  } finally {
    for (const s of servers) s.stop();
  }
}
