// A service whose main loop blocks for 4 s when it reads "block" on stdin; probes on a worker thread.
import { createInterface } from 'node:readline';
import { createHealth } from '../../health.js';

const health = createHealth({ env: {} });
const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'block') return;
  const until = Date.now() + 4000;
  while (Date.now() < until) {
    // busy: the main loop runs nothing, timers included
  }
});
