import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createFaultProxy } from './fault-proxy.js';

// A server that records what each connection sent and can push data on its own, so a test sees
// both directions separately (an echo server hides one behind the other).
let server: Server;
let serverPort: number;
const received: string[] = [];
const serverSockets: Socket[] = [];

before(async () => {
  server = createServer((socket) => {
    serverSockets.push(socket);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => received.push(chunk.toString()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  serverPort = (server.address() as { port: number }).port;
});

after(async () => {
  for (const s of serverSockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  // A bound for a busy machine; a passing run returns as soon as the condition holds.
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function sent(): string {
  return received.join('');
}

describe('the fault proxy blackhole', () => {
  test('on an open connection nothing reaches the server nor comes back from it until the fault clears', async () => {
    const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: serverPort } });
    const client = await open(proxy.port);
    try {
      received.length = 0;
      client.write('hello');
      await waitFor(() => sent() === 'hello', 'the first bytes to pass');
      const upstream = serverSockets.at(-1)!;
      let back = '';
      client.on('data', (c: Buffer) => (back += c.toString()));

      await proxy.setMode('blackhole');
      client.write('held-out');
      upstream.write('held-in');
      await sleep(300);
      assert.equal(sent(), 'hello', 'the server got nothing sent during the blackhole');
      assert.equal(back, '', 'the client got nothing the server sent during the blackhole');

      await proxy.setMode('pass');
      await waitFor(() => sent() === 'helloheld-out' && back === 'held-in', 'the held data after the fault cleared');
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  test('data already queued behind a latency is not forwarded once the blackhole begins', async () => {
    const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: serverPort }, mode: { kind: 'latency', ms: 200 } });
    const client = await open(proxy.port);
    try {
      received.length = 0;
      client.write('first');
      await waitFor(() => sent() === 'first', 'the first bytes to pass the latency');
      client.write('queued');
      // The proxy reads 'queued' at once and holds it for 200 ms; the blackhole must keep holding it.
      await waitFor(() => proxy.connections === 1, 'the connection to be open');
      await sleep(20);
      await proxy.setMode('blackhole');
      await sleep(600);
      assert.equal(sent(), 'first', 'queued data stayed queued through the blackhole');
      await proxy.setMode('pass');
      await waitFor(() => sent() === 'firstqueued', 'the queued data after the fault cleared');
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  test('a blackholed connection stops reading, so a fast writer is held back instead of buffered in the proxy', async () => {
    const proxy = await createFaultProxy({ target: { host: '127.0.0.1', port: serverPort } });
    const client = await open(proxy.port);
    try {
      client.write('x');
      await waitFor(() => proxy.connections === 1, 'the connection to be open');
      await proxy.setMode('blackhole');
      // Far more than loopback's socket buffers hold: if the proxy kept reading, all of it would
      // leave the client within moments; paused, most of it stays in the client's buffer.
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      const size = 64 * chunk.length;
      for (let i = 0; i < 64; i += 1) client.write(chunk);
      await sleep(500);
      assert.ok(client.writableLength > size / 2, `only ${client.writableLength} of ${size} bytes still waiting in the client`);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});
