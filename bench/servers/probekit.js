// probekit: createHealth() with its standalone probe server; THREAD=worker|main. CHECKS=n adds n-1 more instant checks.
import { createHealth } from 'probekit';
import { announce, dependency, startApp } from './common.js';

const thread = process.env.THREAD === 'main' ? 'main' : 'worker';
const health = createHealth({ env: {}, maxBlockMs: Number(process.env.MAX_BLOCK_MS ?? 1000) });
health.readiness('dependency', dependency, { timeoutMs: 5000 });
for (let i = 1; i < Number(process.env.CHECKS ?? 1); i++) health.readiness(`check-${i}`, async () => {});
const probes = await health.listen({ port: 0, host: '127.0.0.1', thread });
const app = await startApp();
announce({ probePort: probes.port, appPort: app.address().port, live: '/livez', ready: '/readyz' });
