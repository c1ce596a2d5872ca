// The rolling-restart app with @godaddy/terminus, set up as its README recommends for Kubernetes:
// a readiness health check, `beforeShutdown` delaying the shutdown by the drain delay, `useExit0`.
// A WebSocket echo at /ws (ws) for the WebSocket row; terminus' README says nothing about WebSockets, so nothing closes them.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTerminus } from '@godaddy/terminus';
import { WebSocketServer } from 'ws';

const drainDelayMs = Number(process.env['DRAIN_DELAY_MS'] ?? 5000);
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  // The same work route as examples/express.js.
  const ms = url.pathname === '/work' ? Math.min(Number(url.searchParams.get('ms')) || 0, 10_000) : 0;
  setTimeout(() => res.end(ms > 0 ? 'done\n' : 'hello from terminus\n'), ms);
});
const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data.toString())));
createTerminus(server, {
  healthChecks: { '/readyz': async () => 'ok', '/livez': async () => 'ok' },
  signals: ['SIGTERM', 'SIGINT'],
  beforeShutdown: () => new Promise((resolve) => setTimeout(resolve, drainDelayMs)),
  useExit0: true,
});
server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
