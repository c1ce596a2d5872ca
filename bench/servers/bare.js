// The floor: a bare node:http server answering `ok` to everything (no checks at all).
// HEADERS=1: the same, sending the four headers probekit's HTTP contract requires on every answer
// (what node:http itself costs for them, without any probekit code).
import { createServer } from 'node:http';
import { announce, startApp } from './common.js';

const CONTRACT = ['cache-control', 'no-store', 'x-content-type-options', 'nosniff', 'content-type', 'text/plain; charset=utf-8', 'content-length', '2'];
const probes = createServer(process.env.HEADERS === '1' ? (_req, res) => res.writeHead(200, CONTRACT).end('ok') : (_req, res) => res.end('ok'));
await new Promise((resolve) => probes.listen(0, '127.0.0.1', resolve));
const app = await startApp();
announce({ probePort: probes.address().port, appPort: app.address().port, live: '/livez', ready: '/readyz' });
