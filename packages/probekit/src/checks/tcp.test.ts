import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { createFaultProxy } from '../testing/fault-proxy.js';
import { tcpCheck } from './tcp.js';
import { runOnce, untilPasses } from './test-fixtures/fault-suite.js';

let server: Server;
let port: number;
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

test('tcp: passes when the port accepts, fails with ECONNREFUSED when refused, and recovers', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port } });
  try {
    const definition = tcpCheck({ host: '127.0.0.1', port: proxy.port });
    assert.equal(definition.dependency, true);
    const ok = await runOnce(definition, 1000);
    assert.equal(ok.ok, true, ok.message);
    assert.equal((ok.value as { observedUnit: string }).observedUnit, 'ms');
    await proxy.setMode('refuse');
    assert.equal((await runOnce(definition, 1000)).message, `tcp: connect ECONNREFUSED 127.0.0.1:${proxy.port}`);
    await proxy.setMode('pass');
    await untilPasses(definition, 1000, 5000);
  } finally {
    await proxy.close();
  }
});

test('tcp: an aborted signal fails the run with its reason', async () => {
  const controller = new AbortController();
  controller.abort(new Error('timed out after 5 ms'));
  await assert.rejects(Promise.resolve(tcpCheck({ host: '127.0.0.1', port }).check(controller.signal)), { message: 'tcp: timed out after 5 ms' });
});

test('tcp: 1,000 runs leave no socket open on the server', async () => {
  const definition = tcpCheck({ host: '127.0.0.1', port });
  for (let i = 0; i < 1000; i++) assert.equal((await runOnce(definition, 2000)).ok, true);
  const deadline = Date.now() + 5000;
  while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(sockets.size, 0);
});

test('tcp: options are validated by name', () => {
  assert.throws(() => tcpCheck({ host: 'x', port: 0 }), /Expected `port` to be an integer from 1 to 65535, got `0`/);
  assert.throws(() => tcpCheck({ port: 1 } as never), /Expected `host` to be a string, got `undefined`/);
});
