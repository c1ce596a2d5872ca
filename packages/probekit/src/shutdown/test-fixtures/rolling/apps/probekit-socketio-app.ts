// The rolling-restart app with probekit and socket.io (an `echo` event answered by its ack), set up as
// docs/shutdown.md shows: probes on the app's port, `webSockets: [io]` so the engine closes every
// transport when the drain delay ends and the clients reconnect by themselves.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { createHealth } from '../../../../health.js';
import { shutdownOn } from '../../../shutdown.js';

const health = createHealth({ env: {} });
health.readiness('database', async () => {});
const server = createServer((req, res) => {
  if (/^\/(readyz|livez|startupz|healthz)(\?|$)/.test(req.url ?? '')) return health.handler(req, res);
  const url = new URL(req.url ?? '/', 'http://x');
  const ms = url.pathname === '/work' ? Math.min(Number(url.searchParams.get('ms')) || 0, 10_000) : 0;
  setTimeout(() => res.end(ms > 0 ? 'done\n' : 'hello from probekit\n'), ms);
});
const io = new Server(server);
io.on('connection', (socket) => socket.on('echo', (text: string, ack: (reply: string) => void) => ack(text)));
shutdownOn(health, {
  servers: [server],
  webSockets: [io],
  ...(process.env['DRAIN_DELAY_MS'] ? { drainDelayMs: Number(process.env['DRAIN_DELAY_MS']) } : {}),
});
server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
