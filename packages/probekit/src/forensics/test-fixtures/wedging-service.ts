// A service whose main loop blocks for good when it reads "wedge" on stdin; probes on the worker thread.
import { createInterface } from 'node:readline';
import { createHealth } from '../../health.js';
import { attachForensics } from '../index.js';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: wedging-service.js <stateDir>');
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
const health = createHealth({ env: {}, maxBlockMs: 1000 });
const forensics = await attachForensics(health, { stateDir, log: (line) => print({ log: line.message }) });
const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
print({ url: server.url, previous: forensics.previous });
setInterval(() => {}, 1000); // the app's own work keeps the process alive
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'wedge') return;
  for (;;) {
    // a deadlock-like busy loop: the main thread never returns
  }
});
