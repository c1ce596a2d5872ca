import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { createFaultProxy, resolveFaultMode } from './fault-proxy.js';

let echo: Server;
let echoPort: number;
const echoSockets = new Set<Socket>();

before(async () => {
  echo = createServer((socket) => {
    echoSockets.add(socket);
    socket.on('close', () => echoSockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as { port: number }).port;
});

after(async () => {
  for (const s of echoSockets) s.destroy();
  await new Promise((resolve) => echo.close(resolve));
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `text`, resolves with what came back once `text.length` bytes arrived. */
function roundTrip(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= text.length) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(text);
  });
}

function errorOf(socket: Socket): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve) => socket.once('error', resolve));
}

test('pass forwards both ways and counts connections', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: echoPort } });
  try {
    const socket = await open(proxy.port);
    assert.equal(await roundTrip(socket, 'hello'), 'hello');
    assert.equal(proxy.connections, 1);
    assert.equal(proxy.accepted, 1);
    socket.destroy();
    await once(socket, 'close');
    await waitFor(() => proxy.connections === 0);
  } finally {
    await proxy.close();
  }
});

test('latency delays each direction by its fixed part and keeps order under jitter', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: echoPort }, mode: { kind: 'latency', ms: 150, jitterMs: 50 } });
  try {
    const socket = await open(proxy.port);
    const started = performance.now();
    assert.equal(await roundTrip(socket, 'x'), 'x');
    const elapsed = performance.now() - started;
    // Two legs of at least 150 ms each; generous upper bound for a busy machine.
    assert.ok(elapsed >= 295, `round trip took ${elapsed} ms`);
    assert.ok(elapsed < 5000, `round trip took ${elapsed} ms`);
    const parts = Array.from({ length: 50 }, (_, i) => `<${i}>`);
    const collected = new Promise<string>((resolve) => {
      let got = '';
      const expected = parts.join('').length;
      socket.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.length >= expected) resolve(got);
      });
    });
    for (const part of parts) socket.write(part);
    assert.equal(await collected, parts.join(''));
    socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('blackhole accepts but never answers, and the held data flows once the fault clears', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: echoPort } });
  try {
    await proxy.setMode('blackhole');
    const socket = await open(proxy.port);
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.write('ping');
    await sleep(300);
    assert.equal(got, '');
    assert.equal(echoSockets.size, 0, 'a blackholed connection never reaches the server');
    await proxy.setMode('pass');
    await waitFor(() => got === 'ping');
    socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('switching an open connection to blackhole holds its traffic; switching on delivers it in order with the new latency', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: echoPort } });
  try {
    const socket = await open(proxy.port);
    assert.equal(await roundTrip(socket, 'before'), 'before');
    await proxy.setMode('blackhole');
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.write('one,');
    socket.write('two');
    await sleep(300);
    assert.equal(got, '');
    await proxy.setMode({ kind: 'latency', ms: 100 });
    await waitFor(() => got === 'one,two');
    const started = performance.now();
    assert.equal(await roundTrip(socket, 'x'), 'x');
    assert.ok(performance.now() - started >= 195, 'the latency applies to the open connection after the switch');
    assert.equal(proxy.connections, 1);
    socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('reset sends an RST to new and to open connections', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: echoPort } });
  try {
    const existing = await open(proxy.port);
    assert.equal(await roundTrip(existing, 'a'), 'a');
    const existingError = errorOf(existing);
    await proxy.setMode('reset');
    assert.equal((await existingError).code, 'ECONNRESET');
    const fresh = connect({ host: '127.0.0.1', port: proxy.port });
    fresh.on('data', () => assert.fail('no data expected'));
    assert.equal((await errorOf(fresh)).code, 'ECONNRESET');
    assert.equal(proxy.connections, 0);
  } finally {
    await proxy.close();
  }
});

test('refuse closes the port so connects are refused, then listens on the same port again', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: echoPort } });
  try {
    const port = proxy.port;
    await proxy.setMode('refuse');
    const refused = connect({ host: '127.0.0.1', port });
    assert.equal((await errorOf(refused)).code, 'ECONNREFUSED');
    await proxy.setMode('pass');
    assert.equal(proxy.port, port);
    const socket = await open(port);
    assert.equal(await roundTrip(socket, 'back'), 'back');
    socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('bandwidth limits throughput per direction', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: echoPort }, mode: { kind: 'bandwidth', bytesPerSecond: 50_000 } });
  try {
    const socket = await open(proxy.port);
    const payload = 'z'.repeat(10_000);
    const started = performance.now();
    assert.equal((await roundTrip(socket, payload)).length, 10_000);
    const elapsed = performance.now() - started;
    // 10 kB at 50 kB/s is 200 ms each way: at least 400 ms for the echo.
    assert.ok(elapsed >= 390, `transfer took ${elapsed} ms`);
    assert.ok(elapsed < 10_000, `transfer took ${elapsed} ms`);
    socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('close ends every connection and frees the port', async () => {
  const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: echoPort }, mode: { kind: 'latency', ms: 10_000 } });
  const a = await open(proxy.port);
  const b = await open(proxy.port);
  a.on('error', () => {});
  b.on('error', () => {});
  a.write('stuck in a latency queue');
  // NOTE: events.once() rejects on 'error'; an abrupt end may arrive as ECONNRESET, which is fine here.
  const closedEvent = (s: Socket): Promise<void> => new Promise((resolve) => s.once('close', () => resolve()));
  const closed = Promise.all([closedEvent(a), closedEvent(b)]);
  await proxy.close();
  await closed;
  assert.equal(proxy.connections, 0);
  await proxy.close();
  const refused = connect({ host: '127.0.0.1', port: proxy.port });
  assert.equal((await errorOf(refused)).code, 'ECONNREFUSED');
  await waitFor(() => echoSockets.size === 0);
});

test('modes are validated and the error names the option and the value', async () => {
  assert.throws(() => resolveFaultMode('slow'), /Expected `mode` to be one of `pass`, `blackhole`, `reset`, `refuse`.*got `"slow"`/);
  assert.throws(() => resolveFaultMode({ kind: 'latency', ms: -1 }), /Expected `mode.ms` to be a non-negative integer, got `-1`/);
  assert.throws(() => resolveFaultMode({ kind: 'bandwidth', bytesPerSecond: 0 }), /Expected `mode.bytesPerSecond` to be a positive integer, got `0`/);
  assert.throws(() => resolveFaultMode({ kind: 'latency', ms: 5, jiter: 1 }), /Unknown option `jiter` in mode `latency`/);
  assert.deepEqual(resolveFaultMode({ kind: 'latency', ms: 5 }), { kind: 'latency', ms: 5, jitterMs: 0 });
  await assert.rejects(createFaultProxy({ target: { host: '127.0.0.1', port: 70_000 } }), /Expected `target.port` to be an integer from 0 to 65535, got `70000`/);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
