// @godaddy/terminus 4 on a node:http server: it runs the health-check function on every request.
import { createServer } from 'node:http';
import { createTerminus } from '@godaddy/terminus';
import { announce, dependency, startApp } from './common.js';

const probes = createServer((_req, res) => {
  res.statusCode = 404;
  res.end();
});
createTerminus(probes, { healthChecks: { '/livez': async () => {}, '/readyz': dependency }, signals: [] });
await new Promise((resolve) => probes.listen(0, '127.0.0.1', resolve));
const app = await startApp();
announce({ probePort: probes.address().port, appPort: app.address().port, live: '/livez', ready: '/readyz' });
