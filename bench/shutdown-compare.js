// Rolling restart under load: probekit vs @godaddy/terminus vs lightship, same harness, same drain delay.
// Run from the repo root: npm run build && node bench/shutdown-compare.js [rounds]
// Prints a markdown table (the one in docs/shutdown.md).
import { rollingRestart } from '../packages/probekit/dist/shutdown/test-fixtures/rolling/harness.js';

const rounds = Number(process.argv[2] ?? 10);
const drainDelayMs = 2000;
const pollMs = 1000;
const apps = [
  { name: 'probekit (examples/express.js)', command: ['examples/express.js'], readinessPath: '/readyz' },
  { name: '@godaddy/terminus 4 (beforeShutdown + useExit0)', command: ['packages/probekit/dist/shutdown/test-fixtures/rolling/apps/terminus-app.js'], readinessPath: '/readyz' },
  { name: 'lightship 9 (shutdownDelay + server.close())', command: ['packages/probekit/dist/shutdown/test-fixtures/rolling/apps/lightship-app.js'], readinessPath: '/ready' },
];

const rows = [];
for (const app of apps) {
  process.stderr.write(`running ${app.name}: ${rounds} rounds...\n`);
  const r = await rollingRestart({ command: app.command, readinessPath: app.readinessPath, rounds, pollMs, paths: ['/', '/work?ms=3000'], env: { DRAIN_DELAY_MS: String(drainDelayMs) } });
  const errors = Object.entries(r.errors).map(([k, v]) => `${k} ×${v}`).join(', ') || '—';
  const exits = [...new Set(r.exits)].join(', ');
  const drain = `${Math.min(...r.drainMs)}–${Math.max(...r.drainMs)}`;
  rows.push(`| ${app.name} | ${r.requests} | ${r.failed} | ${r.resets} | ${errors} | ${exits} | ${drain} |`);
}
console.log(`3 replicas, ${rounds} rounds, 8 concurrent keep-alive clients (4 on \`/\`, 4 on \`/work?ms=3000\`), readiness poll ${pollMs} ms, drain delay ${drainDelayMs} ms, node ${process.version}\n`);
console.log('| library | requests | failed | connection resets | failures by cause | exit codes | SIGTERM→exit (ms) |');
console.log('|---|---:|---:|---:|---|---|---|');
for (const row of rows) console.log(row);
