// Fastify 5 with probekit: the plugin declares the probe routes; shutdownFastify drains app.server
// and runs app.close() (your onClose hooks) as the last cleanup step.
// Run: npm run build && node examples/fastify.js   then   curl -i localhost:3000/readyz?verbose
import Fastify from 'fastify';
import { createHealth } from 'probekit';
import { probes, shutdownFastify } from 'probekit/fastify';

const health = createHealth();
health.readiness('database', async () => {});

const app = Fastify();
await app.register(probes, { health });
app.get('/', async () => 'hello from fastify\n');

shutdownFastify(health, app, {
  ...(process.env.DRAIN_DELAY_MS ? { drainDelayMs: Number(process.env.DRAIN_DELAY_MS) } : {}),
});

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on ${address}`);
