// React Router 7/8 (or Remix) on Express with probekit: the probe middleware before the request
// handler, and the Express server drained on SIGTERM.
// Run after `react-router build`: npm run build && node examples/react-router-express.js
// (REACT_ROUTER_BUILD picks the server build; default ./build/server/index.js) then curl -i localhost:3000/readyz
import { pathToFileURL } from 'node:url';
import express from 'express';
import { createRequestHandler } from '@react-router/express';
import { createHealth } from 'probekit';
import { probes } from 'probekit/express';

const buildPath = pathToFileURL(process.env.REACT_ROUTER_BUILD ?? './build/server/index.js').href;
const { build } = await import(buildPath).then((module) => ('build' in module ? module : { build: module }));

const health = createHealth();
health.readiness('database', async () => {});

const app = express();
app.use(probes(health)); // /livez /readyz /startupz /healthz on the app port
app.use(express.static('build/client'));
app.all('*splat', createRequestHandler({ build }));

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
health.shutdownOn({
  servers: [server],
  ...(process.env.DRAIN_DELAY_MS ? { drainDelayMs: Number(process.env.DRAIN_DELAY_MS) } : {}),
  hooks: [{ name: 'database pool', run: async () => {} }],
});
