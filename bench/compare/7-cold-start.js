import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { rounds, contenders, startServer, probe, median, fmt, range, log, rotate } from '../lib/common.js';

// 7. `probekit check` cold start: a whole exec probe (process start, one GET, exit) vs `node -e 0` and curl.
export async function measure() {
  const runs = Math.max(rounds * 5, 10);
  log(`7. cold start of an exec probe: ${runs} runs each, alternating`);
  const target = await startServer(contenders[2]);
  const url = `http://127.0.0.1:${target.probePort}${target.live}`;
  const bin = fileURLToPath(new URL('../../packages/probekit/bin/probekit.js', import.meta.url));
  const commands = [
    { name: '`node -e 0` (no request: the floor of any Node.js command)', argv: [process.execPath, ['-e', '0']] },
    { name: '`probekit check <url> -q`', argv: [process.execPath, [bin, 'check', url, '-q']] },
    { name: '`curl -fsS <url>`', argv: ['curl', ['-fsS', '-o', '/dev/null', url]] },
    { name: '`wget -q -O /dev/null <url>`', argv: ['wget', ['-q', '-O', '/dev/null', url]] },
  ].filter((c) => c.argv[0] === process.execPath || spawnSync('which', [c.argv[0]]).status === 0);
  const times = new Map(commands.map((c) => [c.name, []]));
  try {
    for (let i = 0; i < runs; i++) {
      for (const c of rotate(commands, i)) {
        const t = performance.now();
        const r = spawnSync(c.argv[0], c.argv[1], { stdio: 'ignore' });
        const ms = performance.now() - t;
        if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}`);
        times.get(c.name).push(ms);
      }
    }
  } finally {
    target.stop();
  }
  const node = median(times.get(commands[0].name));
  const lines = [
    '### 7. `probekit check` cold start vs `node -e 0` and curl',
    '',
    `Wall time of a whole process (spawn to exit) probing a bare node:http \`/livez\` on 127.0.0.1, as an exec probe or a Docker HEALTHCHECK would run it; ${runs} runs each, alternating; median (min–max). The floor for any Node.js command is \`node -e 0\`; what probekit adds on top is its own module loading and one request.`,
    '',
    '| command | ms | over `node -e 0` |',
    '|---|---:|---:|',
  ];
  for (const c of commands) {
    const xs = times.get(c.name);
    log(`   ${c.name}: median ${fmt(median(xs), 1)} ms`);
    lines.push(`| ${c.name} | ${fmt(median(xs), 1)} (${range(xs, 1)}) | ${c === commands[0] ? '—' : `${median(xs) - node >= 0 ? '+' : ''}${fmt(median(xs) - node, 1)} ms`} |`);
  }
  return (lines.join('\n'));
}

