// A plain Fastify route per probe, as people write them by hand; readiness awaits the dependency.
import Fastify from 'fastify';
import { announce, dependency, startApp } from './common.js';

const probes = Fastify();
probes.get('/livez', async () => 'ok');
probes.get('/readyz', async () => {
  await dependency();
  return 'ok';
});
await probes.listen({ port: 0, host: '127.0.0.1' });
const app = await startApp();
announce({ probePort: probes.server.address().port, appPort: app.address().port, live: '/livez', ready: '/readyz' });
