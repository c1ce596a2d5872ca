import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { discoverServers } from './discover.js';
import { shutdownOn } from './shutdown.js';
import { get, until } from './test-fixtures/rig.js';



test('a server never handed to shutdownOn() is found by its first request and drained: the in-flight request finishes with Connection: close, then exit 0', async () => {
  let release: (() => void) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/slow') release = () => res.end('slow done');
    else res.end('app');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  const signals = new EventEmitter();
  const exits: number[] = [];
  const logs: string[] = [];
  const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const shutdown = shutdownOn(health, { clock, signalSource: signals, exit: (code) => exits.push(code), logger, env: {}, drainDelayMs: 1000 });
  const stop = discoverServers(shutdown);
  const agent = new Agent({ keepAlive: true });
  try {
    assert.equal((await get(port, '/', agent)).body, 'app');
    const slow = get(port, '/slow', agent);
    await until('the slow request to arrive', () => release !== undefined);
    signals.emit('SIGTERM', 'SIGTERM');
    await clock.advance(1000);
    await until('the drain to start', () => shutdown.phase === 'stop-accepting');
    assert.equal(server.listening, false, 'the discovered server stopped accepting');
    assert.deepEqual(exits, [], 'waiting for the in-flight request');
    release?.();
    assert.deepEqual(await slow, { status: 200, connection: 'close', body: 'slow done' });
    await until('exit', () => exits.length > 0);
    assert.deepEqual(exits, [0]);
    assert.ok(logs.includes('stopped accepting on 1 server(s); idle keep-alive connections closed; waiting for 1 in-flight request(s)'), logs.join('\n'));
  } finally {
    stop();
    agent.destroy();
    shutdown.dispose();
    health.stop();
    server.close();
  }
});

test('a server that received no request is not added; after stop() nothing more is discovered', async () => {
  const added: unknown[] = [];
  const sink = { phase: undefined, server: (s: unknown) => added.push(s) };
  const quiet = createServer((_req, res) => res.end('x'));
  const busy = createServer((_req, res) => res.end('x'));
  quiet.listen(0, '127.0.0.1');
  busy.listen(0, '127.0.0.1');
  await Promise.all([once(quiet, 'listening'), once(busy, 'listening')]);
  const stop = discoverServers(sink);
  const agent = new Agent({ keepAlive: false });
  try {
    const port = (busy.address() as AddressInfo).port;
    await get(port, '/', agent);
    await get(port, '/', agent);
    assert.deepEqual(added, [busy], 'added once, on its first request');
    stop();
    await get((quiet.address() as AddressInfo).port, '/', agent);
    assert.deepEqual(added, [busy]);
    assert.throws(() => discoverServers(null as never), { name: 'TypeError', message: 'Expected the argument of discoverServers() to be a shutdown (shutdownOn()), got `null`' });
  } finally {
    stop();
    agent.destroy();
    quiet.close();
    busy.close();
  }
});
