// A BullMQ worker process with probekit: liveness follows the Worker itself (never Redis),
// readiness follows the database it writes to (through Knex), memcached and memory against the
// container's limit. The probes are on their own port; SIGTERM closes the Worker, then the pools.
// Run: npm run build && node examples/worker.js   then   curl -i localhost:8081/readyz
// Env: REDIS_PORT (6379), PG_PORT (5432), MEMCACHED_SERVERS (127.0.0.1:11211), QUEUE (emails), PROBEKIT_PORT (8081).
import { Worker } from 'bullmq';
import knex from 'knex';
import memjs from 'memjs';
import { createHealth, shutdownOn } from 'probekit';
import { bullmqWorkerCheck } from 'probekit/checks/bullmq';
import { memcachedCheck } from 'probekit/checks/memcached';
import { memoryCheck } from 'probekit/checks/memory';
import { sqlCheck } from 'probekit/checks/sql';

const db = knex({
  client: 'pg',
  connection: { host: '127.0.0.1', port: Number(process.env.PG_PORT ?? 5432), user: 'postgres', database: 'test' },
  pool: { min: 0, max: 5 },
  acquireConnectionTimeout: 2000,
});
const cache = memjs.Client.create(process.env.MEMCACHED_SERVERS ?? '127.0.0.1:11211', { logger: { log() {} } });
const worker = new Worker(
  process.env.QUEUE ?? 'emails',
  async (job) => {
    await db.raw('SELECT 1'); // the job's real work would go here
    return job.id;
  },
  { connection: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) } },
);
worker.on('error', (error) => console.error('worker:', error.message));

const health = createHealth();
health.liveness('worker', bullmqWorkerCheck(worker, { maxJobMs: 60_000 }));
health.readiness('database', sqlCheck(db));
health.readiness('cache', memcachedCheck(cache));
health.readiness('memory', memoryCheck({ maxUsedPercent: 90 }), { intervalMs: 2000 });
const probes = await health.listen();
console.log(`probes on http://127.0.0.1:${probes.port}`);

shutdownOn(health, {
  hooks: [
    { name: 'memcached', run: async () => cache.close() },
    { name: 'database pool', run: () => db.destroy() },
    { name: 'worker', run: () => worker.close() },
  ],
});
