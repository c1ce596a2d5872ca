// @cloudnative/health-connect 2 on node:http: connect middleware, checks run on every request.
import { createServer } from 'node:http';
import health from '@cloudnative/health-connect';
import { announce, dependency, startApp } from './common.js';

const checker = new health.HealthChecker();
checker.registerReadinessCheck(new health.ReadinessCheck('dependency', dependency));
const live = health.LivenessEndpoint(checker);
const ready = health.ReadinessEndpoint(checker);
const notFound = (res) => () => {
  res.statusCode = 404;
  res.end();
};
const probes = createServer((req, res) => {
  if (req.url === '/livez') live(req, res, notFound(res));
  else if (req.url === '/readyz') ready(req, res, notFound(res));
  else notFound(res)();
});
await new Promise((resolve) => probes.listen(0, '127.0.0.1', resolve));
const app = await startApp();
announce({ probePort: probes.address().port, appPort: app.address().port, live: '/livez', ready: '/readyz' });
