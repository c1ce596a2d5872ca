// Plain node:http with probekit: probes on the app's own port, graceful shutdown that loses no request.
// Run: npm run build && node examples/node.js   then   curl -i localhost:3000/livez
import { createServer } from 'node:http';
import { createHealth } from 'probekit';
import { withProbes } from 'probekit/node';

const health = createHealth();
health.readiness('database', async () => {});

const server = createServer(
  withProbes(health, (_req, res) => {
    res.end('hello from node:http\n');
  }),
);
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

health.shutdownOn({
  servers: [server],
  ...(process.env.DRAIN_DELAY_MS ? { drainDelayMs: Number(process.env.DRAIN_DELAY_MS) } : {}),
  hooks: [{ name: 'database pool', run: async () => {} }],
});
