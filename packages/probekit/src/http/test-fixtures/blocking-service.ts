// A service whose main loop a test can block: prints its probe URL, then blocks on `block <ms>` lines.
import { createInterface } from 'node:readline';
import { createHealth } from '../../health.js';

const thread = process.argv[2] === 'main' ? 'main' : 'worker';
const health = createHealth({ maxBlockMs: 1000, maxLagMs: 500, env: {} });
health.readiness('db', () => undefined, { intervalMs: 1000 });
const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
await health.whenReady();
process.stdout.write(`${server.url}\n`);
const keepAlive = setInterval(() => {}, 1000);
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.split(' ');
  if (command === 'block') {
    const until = Date.now() + Number(arg);
    while (Date.now() < until) {
      // busy: the main loop is wedged
    }
    process.stdout.write('unblocked\n');
  } else if (command === 'exit') {
    clearInterval(keepAlive);
    void health.close().then(() => process.exit(0));
  }
});
