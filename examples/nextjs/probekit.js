// probekit for `next start`: the probe server on its own port (a worker thread) and a shutdown that
// needs no server handle: the server Next.js creates is found by its first request and drained.
import { createHealth, discoverServers, shutdownOn } from 'probekit';

export async function startProbekit() {
  const health = createHealth();
  // A dependency belongs on readiness; here a stand-in for `pool.query('select 1')`.
  health.readiness('database', async () => {});
  const probes = await health.listen(); // PROBEKIT_PORT, else 8081
  console.log(`probes on ${probes.url}`);

  if (!process.env.NEXT_MANUAL_SIG_HANDLE) {
    // Without it, next start closes its server and exits at the first SIGTERM: no drain delay.
    console.warn('probekit: set NEXT_MANUAL_SIG_HANDLE=true in the environment of next start, so probekit runs the shutdown');
    return;
  }
  const shutdown = shutdownOn(health, {
    // Unset: 5 s in Kubernetes, 0 locally. The test sets it.
    ...(process.env.DRAIN_DELAY_MS ? { drainDelayMs: Number(process.env.DRAIN_DELAY_MS) } : {}),
    hooks: [{ name: 'database pool', run: async () => {} }],
  });
  discoverServers(shutdown);
}
