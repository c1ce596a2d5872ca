import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { connect as connectHttp2, createServer as createHttp2Server, type ServerHttp2Session } from 'node:http2';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { ServerDrain } from './drain.js';
import { listening, tick, until } from './test-fixtures/rig.js';

/** A raw client connection that records everything it receives. */
async function rawClient(port: number): Promise<{ socket: Socket; received: () => string; ended: Promise<unknown> }> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
  socket.on('error', () => {});
  const ended = once(socket, 'close');
  await once(socket, 'connect');
  return { socket, received: () => data, ended };
}

/** Counts the calls of `socket.destroySoon()`, the drain's way of closing a keep-alive socket once its response is done. */
function countDestroySoon(socket: Socket): () => number {
  let calls = 0;
  const original = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    calls += 1;
    original();
  };
  return () => calls;
}

describe('ServerDrain', () => {
  test('connections counts open sockets only: a closed one is forgotten', async () => {
    const { server, port } = await listening((_req, res) => res.end('app'));
    const drain = new ServerDrain(server, () => 0);
    try {
      const a = await rawClient(port);
      const b = await rawClient(port);
      await until('both accepted', () => drain.connections === 2);
      a.socket.destroy();
      await until('the closed one forgotten', () => drain.connections === 1);
      await tick();
      assert.equal(drain.connections, 1);
      b.socket.destroy();
      await until('none left', () => drain.connections === 0);
    } finally {
      drain.detach();
      server.close();
    }
  });

  test('watchAccepts() reports the peer port of each accepted connection until it is unsubscribed', async () => {
    const { server, port } = await listening((_req, res) => res.end('app'));
    const drain = new ServerDrain(server, () => 0);
    const seen: Array<number | undefined> = [];
    const clients: Socket[] = [];
    try {
      const stop = drain.watchAccepts((remotePort) => seen.push(remotePort));
      const first = await rawClient(port);
      clients.push(first.socket);
      await until('the first accept', () => seen.length === 1);
      assert.deepEqual(seen, [first.socket.localPort]);
      stop();
      const second = await rawClient(port);
      clients.push(second.socket);
      await until('the second accept', () => drain.connections === 2);
      assert.deepEqual(seen, [first.socket.localPort], 'nothing reported after unsubscribing');
    } finally {
      for (const c of clients) c.destroy();
      drain.detach();
      server.close();
    }
  });

  test('stopAccepting() twice closes the server once and returns the same promise', async () => {
    const { server } = await listening((_req, res) => res.end('app'));
    const drain = new ServerDrain(server, () => 0);
    try {
      const first = drain.stopAccepting();
      assert.equal(drain.stopAccepting(), first);
      await first;
      assert.equal(server.listening, false);
    } finally {
      drain.detach();
      server.close();
    }
  });

  test('destroy() also cuts a connection the server accepted before the drain was attached; on an HTTP/2 server it does not throw', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await listening((req) => void sockets.push(req.socket)); // never answers
    const client = await rawClient(port);
    const h2 = createHttp2Server();
    try {
      client.socket.write('GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('the request to arrive', () => sockets.length === 1);
      const drain = new ServerDrain(server, () => 0);
      drain.destroy();
      assert.equal(sockets[0]?.destroyed, true);
      await client.ended;
      drain.detach();
      const h2drain = new ServerDrain(h2, () => 0);
      assert.doesNotThrow(() => h2drain.destroy());
      h2drain.detach();
    } finally {
      client.socket.destroy();
      server.close();
    }
  });

  test('stopAccepting() resolves only once a connection handed to the server with emit(connection), which close() does not count, has closed', async () => {
    let held: ServerResponse | undefined;
    const app = createServer((_req, res) => void (held = res));
    const front = createNetServer((socket) => app.emit('connection', socket));
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    const drain = new ServerDrain(app, () => 0);
    const c = await rawClient((front.address() as AddressInfo).port);
    try {
      c.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('the request to arrive', () => held !== undefined);
      let resolved = false;
      const closed = drain.stopAccepting().then(() => void (resolved = true));
      await tick();
      assert.equal(resolved, false, 'a request is still in flight on that connection');
      held?.end('done');
      await closed;
      assert.equal(drain.connections, 0);
      assert.match(c.received(), /\r\nConnection: close\r\n[\s\S]*\r\n\r\ndone$/i);
    } finally {
      c.socket.destroy();
      drain.detach();
      front.close();
    }
  });

  test('an HTTP/2 session that opens after the drain began is told to go away at once', async () => {
    const h2 = createHttp2Server();
    // A front hands its sockets to the HTTP/2 server, as a TLS terminator or a proxy in the same process does.
    const front = createNetServer((socket) => h2.emit('connection', socket));
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    const drain = new ServerDrain(h2, () => 0);
    const sessions: ServerHttp2Session[] = [];
    h2.on('session', (session) => sessions.push(session));
    const client = connectHttp2(`http://127.0.0.1:${(front.address() as AddressInfo).port}`);
    client.on('error', () => {});
    try {
      await drain.stopAccepting();
      await until('the session', () => sessions.length === 1);
      assert.equal(sessions[0]?.closed, true, 'close() (GOAWAY) was called in the turn the session opened');
    } finally {
      client.destroy();
      for (const s of sessions) s.destroy();
      drain.detach();
      front.close();
    }
  });

  test('a keep-alive response whose head went out before the drain closes its socket when it is done, though a request on another socket is still in flight', async () => {
    const held = new Map<string, ServerResponse>();
    const { server, port } = await listening((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-length': '4' });
        res.flushHeaders();
      }
      held.set(req.url ?? '', res);
    });
    const drain = new ServerDrain(server, () => 0);
    const a = await rawClient(port);
    const b = await rawClient(port);
    try {
      a.socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
      b.socket.write('GET /other HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('both requests', () => held.size === 2 && a.received().includes('keep-alive'));
      const stream = held.get('/stream')!;
      const destroySoon = countDestroySoon(stream.socket as Socket);
      void drain.stopAccepting();
      const closed = once(stream, 'close');
      stream.end('done');
      await closed;
      assert.equal(destroySoon(), 1, 'its socket is closed once the response is done');
      await a.ended;
      held.get('/other')!.end('other');
      await b.ended;
      assert.match(b.received(), /\r\nConnection: close\r\n/i);
    } finally {
      a.socket.destroy();
      b.socket.destroy();
      drain.detach();
      server.close();
    }
  });

  test('a request pipelined after the drain began gets Connection: close, and the keep-alive response before it does not close the socket under it', async () => {
    const held = new Map<string, ServerResponse>();
    const { server, port } = await listening((req, res) => {
      if (req.url === '/first') {
        res.writeHead(200, { 'content-length': '5' });
        res.flushHeaders();
      }
      held.set(req.url ?? '', res);
    });
    const drain = new ServerDrain(server, () => 0);
    const c = await rawClient(port);
    try {
      c.socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('the first head', () => held.has('/first') && c.received().includes('keep-alive'));
      void drain.stopAccepting();
      c.socket.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
      await until('the second request', () => held.has('/second'));
      const first = held.get('/first')!;
      const destroySoon = countDestroySoon(first.socket as Socket);
      const closed = once(first, 'close');
      first.end('first');
      await closed;
      assert.equal(destroySoon(), 0, 'the second request still needs the socket');
      held.get('/second')!.end('second');
      await c.ended;
      const heads = c.received().split('HTTP/1.1 200 OK').slice(1);
      assert.equal(heads.length, 2, c.received());
      assert.match(heads[0]!, /\r\nConnection: keep-alive\r\n[\s\S]*\r\n\r\nfirst$/i);
      assert.match(heads[1]!, /\r\nConnection: close\r\n[\s\S]*\r\n\r\nsecond$/i);
    } finally {
      c.socket.destroy();
      drain.detach();
      server.close();
    }
  });
});
