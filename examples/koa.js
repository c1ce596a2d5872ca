// Koa 3 with probekit: probes on the app's own port, graceful shutdown that loses no request.
// Run: npm run build && node examples/koa.js   then   curl -i localhost:3000/livez
import Koa from 'koa';
import { createHealth } from 'probekit';
import { probes } from 'probekit/koa';

const health = createHealth();
health.readiness('database', async () => {});

const app = new Koa();
app.use(probes(health));
app.use((ctx) => {
  ctx.body = 'hello from koa\n';
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

health.shutdownOn({
  servers: [server],
  ...(process.env.DRAIN_DELAY_MS ? { drainDelayMs: Number(process.env.DRAIN_DELAY_MS) } : {}),
});
