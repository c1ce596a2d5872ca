// Rolling restart of a real Nest app under load: ProbekitModule's drain vs Nest's own shutdown alone.
// Run from the repo root: npm run build && node bench/nest-shutdown.js [rounds] [express|fastify]
// Prints a markdown table (the one in docs/nestjs.md). Both rows use enableShutdownHooks(…, { useProcessExit: true }).
import { rollingRestart } from '../packages/probekit/dist/shutdown/test-fixtures/rolling/harness.js';

const rounds = Number(process.argv[2] ?? 3);
const platform = process.argv[3] ?? 'express';
const server = 'packages/probekit/dist/nestjs/test-fixtures/server.js';
const setups = [
  { name: 'ProbekitModule (drain in beforeClose, 2 s delay)', env: { DRAIN_DELAY_MS: '2000' } },
  { name: 'Nest alone (ProbekitModule with `shutdown: false`)', env: { NO_DRAIN: '1' } },
];

const rows = [];
for (const setup of setups) {
  process.stderr.write(`running ${setup.name}: ${rounds} rounds...\n`);
  const r = await rollingRestart({ command: [server], rounds, pollMs: 1000, paths: ['/', '/work?ms=1500'], env: { PLATFORM: platform, PROCESS_EXIT: '1', ...setup.env } });
  const errors = Object.entries(r.errors).map(([k, v]) => `${k} ×${v}`).join(', ') || '—';
  const drain = `${Math.min(...r.drainMs)}–${Math.max(...r.drainMs)}`;
  rows.push(`| ${setup.name} | ${r.requests} | ${r.failed} | ${errors} | ${[...new Set(r.exits)].join(', ')} | ${drain} |`);
}
console.log(`Nest ${platform} app, 3 replicas, ${rounds} rounds, 8 concurrent keep-alive clients (4 on \`/\`, 4 on \`/work?ms=1500\`), readiness poll 1000 ms, node ${process.version}\n`);
console.log('| shutdown | requests | failed | failures by cause | exit codes | SIGTERM→exit (ms) |');
console.log('|---|---:|---:|---|---|---|');
for (const row of rows) console.log(row);
