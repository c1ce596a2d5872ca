// Hono 4 on node with probekit: the middleware answers the probes; `serve()` returns the node
// server, which the shutdown drains.
// Run: npm run build && node examples/hono.js   then   curl -i localhost:3000/readyz?verbose
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createHealth } from 'probekit';
import { probes } from 'probekit/hono';

const health = createHealth();
health.readiness('database', async () => {});

const app = new Hono();
app.use(probes(health));
app.get('/', (c) => c.text('hello from hono\n'));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});

health.shutdownOn({
  servers: [server],
  ...(process.env.DRAIN_DELAY_MS ? { drainDelayMs: Number(process.env.DRAIN_DELAY_MS) } : {}),
});
