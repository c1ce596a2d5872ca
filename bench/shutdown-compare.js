// Rolling restart under load: probekit vs @godaddy/terminus vs lightship, same harness, same drain delay.
// Run from the repo root: npm run build && node bench/shutdown-compare.js [rounds] [http|ws|both]
// Prints markdown tables (the ones in docs/shutdown.md): plain HTTP, then with WebSocket clients.
import { rollingRestart } from '../packages/probekit/dist/shutdown/test-fixtures/rolling/harness.js';

const rounds = Number(process.argv[2] ?? 10);
const which = process.argv[3] ?? 'both';
const drainDelayMs = 2000;
const pollMs = 1000;
const webSocketClients = 12;
const fixtures = 'packages/probekit/dist/shutdown/test-fixtures/rolling/apps';
const http = [
  { name: 'probekit (examples/express.js)', command: ['examples/express.js'], readinessPath: '/readyz' },
  { name: '@godaddy/terminus 4 (beforeShutdown + useExit0)', command: [`${fixtures}/terminus-app.js`], readinessPath: '/readyz' },
  { name: 'lightship 9 (shutdownDelay + server.close())', command: [`${fixtures}/lightship-app.js`], readinessPath: '/ready' },
];
const ws = [
  { name: 'probekit (`webSockets: [wss]`)', command: [`${fixtures}/probekit-ws-app.js`], readinessPath: '/readyz' },
  { name: '@godaddy/terminus 4 (as above, nothing closes WebSockets)', command: [`${fixtures}/terminus-app.js`], readinessPath: '/readyz' },
  { name: 'lightship 9 (as above, nothing closes WebSockets)', command: [`${fixtures}/lightship-app.js`], readinessPath: '/ready' },
];

const count = (record) => Object.entries(record).map(([k, v]) => `${k} ×${v}`).join(', ') || '—';
const run = (app, extra) => {
  process.stderr.write(`running ${app.name}: ${rounds} rounds...\n`);
  return rollingRestart({ command: app.command, readinessPath: app.readinessPath, rounds, pollMs, paths: ['/', '/work?ms=3000'], env: { DRAIN_DELAY_MS: String(drainDelayMs) }, ...extra });
};
const exitsOf = (r) => [...new Set(r.exits)].join(', ');
const drainOf = (r) => `${Math.min(...r.drainMs)}–${Math.max(...r.drainMs)}`;

if (which !== 'ws') {
  const rows = [];
  for (const app of http) {
    const r = await run(app, {});
    rows.push(`| ${app.name} | ${r.requests} | ${r.failed} | ${r.resets} | ${count(r.errors)} | ${exitsOf(r)} | ${drainOf(r)} |`);
  }
  console.log(`3 replicas, ${rounds} rounds, 8 concurrent keep-alive clients (4 on \`/\`, 4 on \`/work?ms=3000\`), readiness poll ${pollMs} ms, drain delay ${drainDelayMs} ms, node ${process.version}\n`);
  console.log('| library | requests | failed | connection resets | failures by cause | exit codes | SIGTERM→exit (ms) |');
  console.log('|---|---:|---:|---:|---|---|---|');
  for (const row of rows) console.log(row);
  console.log();
}
if (which !== 'http') {
  const rows = [];
  for (const app of ws) {
    const r = await run(app, { webSocketClients });
    const w = r.webSockets;
    rows.push(`| ${app.name} | ${w.connections} | ${count(w.closes)} | ${w.reconnected} | ${w.unanswered} | ${w.echoed} | ${r.failed} | ${exitsOf(r)} | ${drainOf(r)} |`);
  }
  console.log(`WebSockets: the same run plus ${webSocketClients} WebSocket clients (ws) through a layer-4 front that picks a ready replica per connection; each sends a message, waits for the echo, pauses 100 ms; on a close it reconnects at once. ${rounds} rounds, node ${process.version}\n`);
  console.log('| library | WebSocket connections | closes by code | reconnected | unanswered at close | messages echoed | failed HTTP requests | exit codes | SIGTERM→exit (ms) |');
  console.log('|---|---:|---|---:|---:|---:|---:|---|---|');
  for (const row of rows) console.log(row);
}
