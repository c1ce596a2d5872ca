// The Nest fixture app as a real process for the rolling-restart harness:
// PLATFORM=express|fastify, DRAIN_DELAY_MS, PROCESS_EXIT=1 for enableShutdownHooks(…, { useProcessExit: true }),
// NO_DRAIN=1 for ProbekitModule without its drain (shutdown: false), Nest's own shutdown only.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ProbekitLifecycle } from '../index.js';
import { createApp, type Platform } from './app.js';

const platform = (process.env['PLATFORM'] ?? 'express') as Platform;
const app = await createApp(platform, {
  listen: { port: 0, host: '127.0.0.1' },
  shutdown: process.env['NO_DRAIN'] === '1' ? false : process.env['DRAIN_DELAY_MS'] ? { drainDelayMs: Number(process.env['DRAIN_DELAY_MS']) } : {},
});
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: process.env['PROCESS_EXIT'] === '1' });
await app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1');
const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
// NOTE: the probes line first: the harness reads the ports as soon as it sees "listening on".
console.log(`probes on ${app.get(ProbekitLifecycle).probeServer?.url}`);
console.log(`listening on http://127.0.0.1:${port}`);
