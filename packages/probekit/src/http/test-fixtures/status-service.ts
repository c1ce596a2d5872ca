// A service with a details token and checks that move, for the status page's browser test: prints
// its probe URL, then blocks its main loop (without burning CPU) on `block <ms>` lines.
import { createInterface } from 'node:readline';
import { createHealth } from '../../health.js';

export const STATUS_TOKEN = 'status-page-test-token';

const thread = process.argv[2] === 'main' ? 'main' : 'worker';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const every = { intervalMs: 120, failingIntervalMs: 120 };

const health = createHealth({ maxBlockMs: 5000, maxLagMs: 500, env: {}, detailsToken: STATUS_TOKEN });
health.startup('migrations', () => undefined);
let pg = 0;
health.readiness('postgres', () => sleep(2 + ((pg += 1) % 6) * 3), every);
let redis = 0;
// Fails runs 9..12 of every 16: the strip shows a red stretch and the transitions have a reason.
health.readiness('redis', () => ((redis += 1) % 16 >= 9 && redis % 16 <= 12 ? Promise.reject(new Error('connect ECONNREFUSED 10.0.3.7:6379')) : sleep(1)), every);
health.readiness('search-cache', () => sleep(15).then(() => Promise.reject(new Error('ETIMEDOUT search:9200'))), { ...every, critical: false });
health.liveness('self', () => undefined, every);
const jobs = health.heartbeat('jobs', { timeoutMs: 60_000 });
const beats = setInterval(() => jobs.beat(), 200);
const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
await health.whenReady();
process.stdout.write(`${server.url}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.split(' ');
  if (command === 'block') {
    process.stdout.write('blocking\n');
    // NOTE: Atomics.wait parks the main thread: the loop is wedged, yet no CPU is burnt.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(arg));
    process.stdout.write('unblocked\n');
  } else if (command === 'exit') {
    clearInterval(beats);
    void health.close().then(() => process.exit(0));
  }
});
