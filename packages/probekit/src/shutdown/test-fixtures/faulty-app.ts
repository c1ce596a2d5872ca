// A real process for the shutdown tests: SCENARIO picks the fault (clean, hang-hook, throw-hook, uncaught);
// SIGNALS (comma-separated) sets the signals option.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHealth } from '../../health.js';
import type { ShutdownHook } from '../options.js';
import { shutdownOn } from '../shutdown.js';

const scenario = process.env['SCENARIO'] ?? 'clean';
const health = createHealth({ env: {} });
const server = createServer((req, res) => {
  if (req.url === '/stuck') return; // never answered
  if (req.url === '/crash') setTimeout(() => {
    throw new Error('boom: handler bug');
  }, 0);
  res.end('ok');
});
const hooks: ShutdownHook[] = [{ name: 'close pool', run: () => new Promise((resolve) => setTimeout(resolve, 50)) }];
if (scenario === 'hang-hook') hooks.push({ name: 'hang forever', run: () => new Promise(() => {}) });
if (scenario === 'throw-hook') {
  hooks.push({
    name: 'flush logs',
    run: () => {
      throw new Error('boom: log sink gone');
    },
  });
}
const signals = process.env['SIGNALS']?.split(',');
shutdownOn(health, {
  servers: [server],
  env: {},
  drainDelayMs: 0,
  gracePeriodMs: 4000,
  marginMs: 500,
  hookTimeoutMs: 1000,
  hooks,
  ...(signals ? { signals } : {}),
  ...(scenario === 'uncaught' ? { uncaughtErrors: 'shutdown' as const } : {}),
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
