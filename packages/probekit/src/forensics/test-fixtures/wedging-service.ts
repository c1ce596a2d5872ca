// A service whose main loop blocks for good when it reads "wedge" on stdin; probes on the worker thread.
import { createInterface } from 'node:readline';
import { createHealth } from '../../health.js';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: wedging-service.js <stateDir>');
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
// Forensics as a createHealth option: the worker's probe server records into the same directory.
const health = createHealth({ env: {}, maxBlockMs: 1000, forensics: { stateDir, log: (line) => print({ log: line.message }) } });
const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
const forensics = await health.forensics();
if (!forensics) throw new Error('forensics were not attached');
print({ url: server.url, previous: forensics.previous });
setInterval(() => {}, 1000); // the app's own work keeps the process alive
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'wedge') return;
  for (;;) {
    // a deadlock-like busy loop: the main thread never returns
  }
});
