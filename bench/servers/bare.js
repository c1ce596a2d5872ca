// The floor: a bare node:http server answering `ok` to everything (no checks at all).
import { createServer } from 'node:http';
import { announce, startApp } from './common.js';

const probes = createServer((_req, res) => res.end('ok'));
await new Promise((resolve) => probes.listen(0, '127.0.0.1', resolve));
const app = await startApp();
announce({ probePort: probes.address().port, appPort: app.address().port, live: '/livez', ready: '/readyz' });
