import assert from 'node:assert/strict';
import { once } from 'node:events';
import { get as httpGet, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { Server as SocketIoServer } from 'socket.io';
import { io as connectSocketIo, type Socket as SocketIoClient } from 'socket.io-client';
import { WebSocket, WebSocketServer } from 'ws';
import { listening, rig, tick, until } from './test-fixtures/rig.js';
import { TcpFront } from './test-fixtures/rolling/balancer.js';

interface WsClose {
  readonly code: number;
  readonly reason: string;
}

/** A ws client that records how it was closed. */
async function wsClient(port: number): Promise<{ socket: WebSocket; closed: Promise<WsClose> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
  const closed = new Promise<WsClose>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on('error', () => {});
  await once(socket, 'open');
  return { socket, closed };
}

/** Sends a message and waits for the echo. */
async function echo(socket: WebSocket, text: string): Promise<string> {
  const reply = once(socket, 'message') as Promise<[Buffer]>;
  socket.send(text);
  return (await reply)[0].toString();
}

function echoServer(wss: WebSocketServer): void {
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data.toString())));
}

describe('long-lived connections in the shutdown', () => {
  test('ws: after the drain delay every client gets close 1001 "server shutting down", the server drains at once and the exit code is 0', async () => {
    const { server, port } = await listening((_req, res) => res.end('app'));
    const wss = new WebSocketServer({ server });
    echoServer(wss);
    const r = rig({ servers: [server], webSockets: [wss], drainDelayMs: 2000, checkServers: false });
    const clients = [await wsClient(port), await wsClient(port), await wsClient(port)];
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      await r.clock.advance(1999);
      assert.equal(await echo(clients[0]!.socket, 'still here'), 'still here', 'WebSockets keep working through the drain delay');
      await r.clock.advance(1);
      const closes = await Promise.all(clients.map((c) => c.closed));
      assert.deepEqual(closes, Array(3).fill({ code: 1001, reason: 'server shutting down' }));
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
      assert.equal(r.events.at(-1), 'exit 0@2000', 'drained without waiting for any budget');
      assert.ok(r.logs.includes('info stopped accepting on 1 server(s); idle keep-alive connections closed; 0 event stream(s) ended; 3 WebSocket(s) closed with 1001; waiting for 0 in-flight request(s)'), r.logs.join('\n'));
    } finally {
      for (const c of clients) c.socket.terminate();
      r.shutdown.dispose();
      r.health.stop();
      wss.close();
      server.close();
    }
  });

  test('ws without `webSockets`: the upgraded sockets hold the drain until only the hooks\' time is left, then are destroyed, exit 1', async () => {
    const { server, port } = await listening((_req, res) => res.end('app'));
    const wss = new WebSocketServer({ server });
    echoServer(wss);
    const r = rig({ servers: [server], drainDelayMs: 0, gracePeriodMs: 10_000, marginMs: 1000, checkServers: false });
    const client = await wsClient(port);
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      await tick();
      await r.clock.advance(8999);
      assert.deepEqual(r.exits, [], 'still waiting for the WebSocket');
      await r.clock.advance(1);
      assert.equal((await client.closed).code, 1006, 'the client saw an abnormal close');
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [1]);
    } finally {
      client.socket.terminate();
      r.shutdown.dispose();
      r.health.stop();
      wss.close();
      server.close();
    }
  });

  test('ws through a layer-4 front: the closed client reconnects to the surviving replica and keeps exchanging messages', async () => {
    const a = await listening((_req, res) => res.end('a'));
    const b = await listening((_req, res) => res.end('b'));
    const wssA = new WebSocketServer({ server: a.server });
    const wssB = new WebSocketServer({ server: b.server });
    wssA.on('connection', (ws) => ws.on('message', (data) => ws.send(`a:${data.toString()}`)));
    wssB.on('connection', (ws) => ws.on('message', (data) => ws.send(`b:${data.toString()}`)));
    let target = a.port;
    const front = await new TcpFront(() => target).listen();
    const r = rig({ servers: [a.server], webSockets: [wssA], drainDelayMs: 1000, checkServers: false });
    let second: WebSocket | undefined;
    const first = await wsClient(front.port);
    try {
      assert.equal(await echo(first.socket, 'hi'), 'a:hi');
      r.signals.emit('SIGTERM', 'SIGTERM');
      // Endpoint removal reached the front during the drain delay.
      target = b.port;
      await r.clock.advance(1000);
      assert.deepEqual(await first.closed, { code: 1001, reason: 'server shutting down' });
      second = (await wsClient(front.port)).socket;
      assert.equal(await echo(second, 'again'), 'b:again');
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
    } finally {
      first.socket.terminate();
      second?.terminate();
      r.shutdown.dispose();
      r.health.stop();
      await front.close();
      for (const w of [wssA, wssB]) w.close();
      for (const s of [a.server, b.server]) s.close();
    }
  });

  test('socket.io: the client sees "transport close" (not "io server disconnect"), reconnects by itself to the surviving replica, and the replica exits 0', async () => {
    const a = await listening((_req, res) => res.end('a'));
    const b = await listening((_req, res) => res.end('b'));
    const ioA = new SocketIoServer(a.server);
    const ioB = new SocketIoServer(b.server);
    ioA.on('connection', (socket) => socket.on('ping', (ack: (who: string) => void) => ack('a')));
    ioB.on('connection', (socket) => socket.on('ping', (ack: (who: string) => void) => ack('b')));
    let target = a.port;
    const front = await new TcpFront(() => target).listen();
    const r = rig({ servers: [a.server], webSockets: [ioA], drainDelayMs: 1000, checkServers: false });
    // NOTE: websocket only: long-polling needs sticky sessions, which a layer-4 front (kube-proxy) does not give.
    const client: SocketIoClient = connectSocketIo(`http://127.0.0.1:${front.port}`, { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100 });
    const reasons: string[] = [];
    client.on('disconnect', (reason) => reasons.push(reason));
    try {
      await new Promise<void>((resolve) => client.once('connect', resolve));
      assert.equal(await client.emitWithAck('ping'), 'a');
      r.signals.emit('SIGTERM', 'SIGTERM');
      target = b.port;
      const reconnected = new Promise<void>((resolve) => client.io.once('reconnect', () => resolve()));
      await r.clock.advance(1000);
      await reconnected;
      assert.deepEqual(reasons, ['transport close']);
      assert.equal(await client.emitWithAck('ping'), 'b');
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
      assert.match(r.logs.find((l) => l.startsWith('info stopped accepting')) ?? '', /1 WebSocket\(s\) closed with 1001/);
    } finally {
      client.close();
      r.shutdown.dispose();
      r.health.stop();
      await front.close();
      await new Promise((resolve) => ioB.close(resolve));
      ioA.engine.close();
      for (const s of [a.server, b.server]) s.close();
    }
  });

  test('server-sent events (Accept: text/event-stream, as EventSource sends): the stream ends cleanly after the drain delay, exit 0', async () => {
    const streams: ServerResponse[] = [];
    const { server, port } = await listening((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        res.write('data: hello\n\n');
        streams.push(res);
        return;
      }
      res.end('app');
    });
    const r = rig({ servers: [server], drainDelayMs: 1000, checkServers: false });
    const received: string[] = [];
    const res = await new Promise<IncomingMessage>((resolve, reject) => httpGet({ host: '127.0.0.1', port, path: '/events', headers: { accept: 'text/event-stream' } }, resolve).on('error', reject));
    res.setEncoding('utf8').on('data', (chunk: string) => received.push(chunk));
    const ended = new Promise<string>((resolve) => {
      res.once('end', () => resolve('end'));
      res.once('aborted', () => resolve('aborted'));
      res.once('error', (error) => resolve(`error ${error.message}`));
    });
    try {
      await until('the first event', () => received.length > 0);
      r.signals.emit('SIGTERM', 'SIGTERM');
      await r.clock.advance(999);
      streams[0]!.write('data: during the delay\n\n');
      await until('the second event', () => received.join('').includes('during the delay'));
      await r.clock.advance(1);
      assert.equal(
        r.logs.find((l) => l.startsWith('info stopped accepting')),
        'info stopped accepting on 1 server(s); idle keep-alive connections closed; 1 event stream(s) ended; 0 WebSocket(s) closed with 1001; waiting for 0 in-flight request(s)',
        'the stream (Accept: text/event-stream) is ended in the step the drain delay ends, and not counted as a request still waited for',
      );
      assert.equal(await ended, 'end');
      assert.equal(res.complete, true, 'the chunked body was terminated properly, not cut');
      assert.equal(received.join(''), 'data: hello\n\ndata: during the delay\n\n');
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
    } finally {
      res.destroy();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('an event-stream request not answered yet when the drain begins is an ordinary in-flight request: it completes with its body', async () => {
    let answer: (() => void) | undefined;
    const { server, port } = await listening((_req, res) => {
      answer = () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: late\n\n');
      };
    });
    const r = rig({ servers: [server], drainDelayMs: 0, checkServers: false });
    let body = '';
    const response = new Promise<IncomingMessage>((resolve, reject) => httpGet({ host: '127.0.0.1', port, path: '/events', headers: { accept: 'text/event-stream' } }, resolve).on('error', reject));
    try {
      await until('the request to arrive', () => answer !== undefined);
      r.signals.emit('SIGTERM', 'SIGTERM');
      await tick();
      assert.ok(r.logs.includes('info stopped accepting on 1 server(s); idle keep-alive connections closed; waiting for 1 in-flight request(s)'), r.logs.join('\n'));
      answer?.();
      const res = await response;
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      await once(res, 'end');
      assert.equal(body, 'data: late\n\n');
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('a fetch-style event stream (no Accept, Content-Type set with setHeader, with or without parameters) is ended too', async () => {
    const { server, port } = await listening((req, res) => {
      res.setHeader('Content-Type', req.url === '/utf8' ? 'text/event-stream; charset=utf-8' : 'text/event-stream');
      res.write('data: one\n\n');
    });
    const r = rig({ servers: [server], drainDelayMs: 0, checkServers: false });
    const open = (path: string) => new Promise<IncomingMessage>((resolve, reject) => httpGet({ host: '127.0.0.1', port, path }, resolve).on('error', reject));
    const responses = [await open('/stream'), await open('/utf8')];
    for (const res of responses) res.resume();
    try {
      const ended = Promise.all(responses.map((res) => once(res, 'end')));
      await tick();
      r.signals.emit('SIGTERM', 'SIGTERM');
      await tick();
      assert.ok(r.logs.includes('info stopped accepting on 1 server(s); idle keep-alive connections closed; 2 event stream(s) ended; 0 WebSocket(s) closed with 1001; waiting for 0 in-flight request(s)'), r.logs.join('\n'));
      await ended;
      assert.deepEqual(responses.map((res) => res.complete), [true, true]);
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
    } finally {
      for (const res of responses) res.destroy();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('a `webSockets` function that never settles is given up on when only the hooks\' time is left; its signal fires, the hooks still run, exit 1 naming it', async () => {
    const { server } = await listening((_req, res) => res.end('app'));
    let signal: AbortSignal | undefined;
    const r = rig({
      servers: [server],
      drainDelayMs: 0,
      gracePeriodMs: 10_000,
      marginMs: 1000,
      checkServers: false,
      hooks: [{ name: 'pool', run: () => {}, timeoutMs: 2000 }],
      webSockets: [
        (s) => {
          signal = s;
          return new Promise(() => {});
        },
      ],
    });
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      await tick();
      await r.clock.advance(6999);
      assert.equal(signal?.aborted, false);
      await r.clock.advance(1);
      await until('exit', () => r.exits.length > 0);
      assert.equal(signal?.aborted, true);
      assert.ok(r.events.includes('hook pool ok@0'), r.events.join());
      assert.deepEqual(r.exits, [1]);
      assert.ok(r.logs.includes('error closing WebSockets (a `webSockets` function) did not finish within 7 s; moving on'), r.logs.join('\n'));
      assert.equal(r.logs.at(-1), 'error exiting with code 1 after 7 s; cut short: webSockets function (timed out after 7 s)');
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('a function in `webSockets` gets an AbortSignal and the drain waits for it', async () => {
    const { server } = await listening((_req, res) => res.end('app'));
    const calls: boolean[] = [];
    const r = rig({
      servers: [server],
      drainDelayMs: 0,
      checkServers: false,
      webSockets: [
        (signal) => {
          calls.push(signal.aborted);
          return Promise.resolve();
        },
      ],
    });
    try {
      await r.shutdown.shutdown();
      assert.deepEqual(calls, [false]);
      assert.deepEqual(r.exits, [0]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });
});
