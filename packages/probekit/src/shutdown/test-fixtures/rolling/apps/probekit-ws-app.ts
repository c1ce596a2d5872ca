// The rolling-restart app with probekit and a WebSocket echo at /ws (ws), set up as docs/shutdown.md
// shows: probes on the app's port, `webSockets: [wss]` so clients get 1001 when the drain delay ends.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createHealth } from '../../../../health.js';
import { shutdownOn } from '../../../shutdown.js';

const health = createHealth({ env: {} });
health.readiness('database', async () => {});
const server = createServer((req, res) => {
  if (/^\/(readyz|livez|startupz|healthz)(\?|$)/.test(req.url ?? '')) return health.handler(req, res);
  const url = new URL(req.url ?? '/', 'http://x');
  // The same work route as examples/express.js.
  const ms = url.pathname === '/work' ? Math.min(Number(url.searchParams.get('ms')) || 0, 10_000) : 0;
  setTimeout(() => res.end(ms > 0 ? 'done\n' : 'hello from probekit\n'), ms);
});
const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data.toString())));
shutdownOn(health, {
  servers: [server],
  webSockets: [wss],
  // For the docs' measurement of what keepReadyDuringDrain does to a balancer that polls readiness.
  keepReadyDuringDrain: process.env['KEEP_READY_DURING_DRAIN'] === '1',
  ...(process.env['DRAIN_DELAY_MS'] ? { drainDelayMs: Number(process.env['DRAIN_DELAY_MS']) } : {}),
  hooks: [{ name: 'database pool', run: async () => {} }],
});
server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
