// A real process for the `listening` check: GET /exhaust opens files until the process is out of
// descriptors (EMFILE) and keeps them. Every 200 ms it prints the `listening` line of readiness.
// Started under `ulimit -n 128` by listening.test.ts.
import { openSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHealth } from '../../health.js';
import { shutdownOn } from '../shutdown.js';

const health = createHealth({ env: {}, checkDefaults: { intervalMs: 200, failingIntervalMs: 200 } });
const held: number[] = [];
/** Takes every free descriptor; returns the error that stopped it. */
function exhaust(): NodeJS.ErrnoException {
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
}
const app = createServer((req, res) => {
  if (req.url !== '/exhaust') return void res.end('app\n');
  const error = exhaust();
  // NOTE: a descriptor freed later (this request's own socket when it closes, anything else the
  // process closes) is taken again at once and every 20 ms, so the process stays out of descriptors.
  req.socket.once('close', exhaust);
  setInterval(exhaust, 20);
  res.end(`${error.code} after ${held.length}\n`);
});
shutdownOn(health, { servers: [app], env: {}, logger: { info: () => {}, warn: () => {}, error: () => {} } });
app.listen(0, '127.0.0.1', () => console.log(`listening ${(app.address() as AddressInfo).port}`));
setInterval(() => {
  const line = health.snapshot().checks.find((c) => c.name === 'listening');
  console.log(`check ${line?.status} ${line?.reason ?? ''}`);
}, 200);
