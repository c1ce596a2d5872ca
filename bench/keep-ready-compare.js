// keepReadyDuringDrain against a balancer that polls /readyz (the rolling-restart harness), off then on.
// Run from the repo root: npm run build && node bench/keep-ready-compare.js [rounds]
import { rollingRestart } from '../packages/probekit/dist/shutdown/test-fixtures/rolling/harness.js';
const rounds = Number(process.argv[2] ?? 5);
for (const keep of ['0', '1']) {
  const r = await rollingRestart({ command: ['packages/probekit/dist/shutdown/test-fixtures/rolling/apps/probekit-ws-app.js'], rounds, paths: ['/', '/work?ms=1500'], env: { DRAIN_DELAY_MS: '2000', KEEP_READY_DURING_DRAIN: keep } });
  console.log(`keepReadyDuringDrain ${keep === '1'}: ${r.requests} requests, ${r.failed} failed ${JSON.stringify(r.errors)}, exits ${[...new Set(r.exits)].join(',')}`);
}
