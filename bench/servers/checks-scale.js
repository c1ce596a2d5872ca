// A service with CHECKS instant readiness checks at intervalMs 1000, probes on THREAD=worker|main.
// The app port serves / (a trivial answer, for the app's own latency) and /flip (makes check-0 fail,
// for how fast a status change reaches the probe answers) and /failed-at (when the engine saw it fail).
import { createServer } from 'node:http';
import { createHealth } from 'probekit';

const thread = process.env.THREAD === 'main' ? 'main' : 'worker';
const checks = Number(process.env.CHECKS ?? 10);
const health = createHealth({ env: {} });
let failing = false;
/** When check-0's failure was recorded (epoch ms, the same base in every process on the machine). */
let failedAt;
health.on('transition', (event) => {
  if (event.name === 'check-0' && event.to === 'fail') failedAt = performance.timeOrigin + performance.now();
});
health.readiness('check-0', () => (failing ? Promise.reject(new Error('flipped')) : undefined), { intervalMs: 1000, failingIntervalMs: 1000 });
for (let i = 1; i < checks; i++) health.readiness(`check-${i}`, () => undefined, { intervalMs: 1000 });
await health.whenReady();
const probes = await health.listen({ port: 0, host: '127.0.0.1', thread });
const app = createServer((req, res) => {
  if (req.url === '/flip') {
    failing = true;
    res.end('flipped');
  } else if (req.url === '/failed-at') {
    res.end(JSON.stringify({ failedAt }));
  } else {
    res.end('ok');
  }
});
await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ probePort: probes.port, appPort: app.address().port }));
