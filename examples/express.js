// Express 5 with probekit: probes on the app's own port, graceful shutdown that loses no request.
// Run: npm run build && node examples/express.js   then   curl -i localhost:3000/readyz?verbose
import express from 'express';
import { createHealth } from 'probekit';
import { probes } from 'probekit/express';

const health = createHealth();
// A dependency belongs on readiness; here a stand-in for `pool.query('select 1')`.
health.readiness('database', async () => {});

const app = express();
app.use(probes(health));
app.get('/', (_req, res) => {
  res.send('hello from express\n');
});
// Stands in for real work (a slow query): answers after ?ms= milliseconds.
app.get('/work', (req, res) => {
  setTimeout(() => res.send('done\n'), Math.min(Number(req.query.ms) || 0, 10_000));
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

health.shutdownOn({
  servers: [server],
  // Unset: 5 s in Kubernetes, 0 locally. The rolling-restart test sets it short.
  ...(process.env.DRAIN_DELAY_MS ? { drainDelayMs: Number(process.env.DRAIN_DELAY_MS) } : {}),
  hooks: [{ name: 'database pool', run: async () => {} }],
});
