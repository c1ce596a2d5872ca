import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { shutdownOn, type ShutdownHealth } from './shutdown.js';
import type { ShutdownOptions } from './options.js';
import { get, listening, rig, tick, until } from './test-fixtures/rig.js';

/** Sends one request on its own connection; resolves with `status body`, or the error code once the connection is cut. */
function send(port: number, method: string, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
      res.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

/** A server whose requests never get an answer; `arrived` lists them as `METHOD url`, `sockets` their server-side sockets. */
async function stuckServer(): Promise<{ server: Server; port: number; arrived: string[]; sockets: import('node:net').Socket[] }> {
  const arrived: string[] = [];
  const sockets: import('node:net').Socket[] = [];
  const { server, port } = await listening((req) => {
    arrived.push(`${req.method} ${req.url}`);
    sockets.push(req.socket);
  });
  return { server, port, arrived, sockets };
}

describe('the shutdown sequence', () => {
  test('SIGTERM: readiness fails at once, the server serves through the drain delay, then drains, runs hooks in reverse order and exits 0', async () => {
    const order: string[] = [];
    const { server, port } = await listening((_req, res) => res.end('app'));
    const r = rig({
      servers: [server],
      drainDelayMs: 2000,
      hooks: [
        { name: 'postgres pool', run: () => void order.push('postgres pool') },
        { name: 'logs', run: () => void order.push('logs') },
      ],
    });
    r.health.markStarted();
    const agent = new Agent({ keepAlive: true });
    try {
      assert.equal((await get(port, '/', agent)).body, 'app');
      r.signals.emit('SIGTERM', 'SIGTERM');
      assert.equal(r.health.shuttingDown, true, 'readiness fails in the same turn as the signal');
      await r.clock.advance(1999);
      const during = await get(port, '/', agent);
      assert.deepEqual([during.status, during.body, during.connection], [200, 'app', 'keep-alive'], 'still serving normally 1 ms before the drain delay ends');
      assert.deepEqual(r.exits, []);
      await r.clock.advance(1);
      assert.equal(server.listening, false, 'stopped accepting in the step the drain delay ended');
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
      assert.deepEqual(order, ['logs', 'postgres pool']);
      assert.deepEqual(r.events, ['begin@0', 'drain-delay@0', 'stop-accepting@2000', 'drained@2000', 'hooks@2000', 'hook logs ok@0', 'hook postgres pool ok@0', 'exit@2000', 'exit 0@2000']);
      assert.equal(server.listening, false);
      assert.equal(await r.shutdown.shutdown(), 0, 'the sequence resolves with the exit code');
      assert.equal(r.logs[0], 'info SIGTERM received: readiness now fails (liveness keeps passing); budget 28 s (grace period 30 s - margin 2 s)');
      assert.equal(r.logs.at(-1), 'info exiting with code 0 after 2 s');
    } finally {
      agent.destroy();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('an in-flight response gets Connection: close and completes; an idle keep-alive socket is closed at once', async () => {
    let release: (() => void) | undefined;
    const { server, port } = await listening((req, res) => {
      if (req.url === '/slow') release = () => res.end('slow done');
      else res.end('fast');
    });
    const r = rig({ servers: [server] });
    const idleAgent = new Agent({ keepAlive: true });
    const busyAgent = new Agent({ keepAlive: true });
    try {
      await get(port, '/', idleAgent);
      const idleSocket = Object.values(idleAgent.freeSockets)[0]?.[0];
      assert.ok(idleSocket, 'the idle agent holds a keep-alive socket');
      const idleClosed = once(idleSocket, 'close');
      const slow = get(port, '/slow', busyAgent);
      await until('the slow request to arrive', () => release !== undefined);
      const done = r.shutdown.shutdown();
      await idleClosed;
      assert.deepEqual(r.exits, [], 'no exit while a request is in flight');
      release?.();
      assert.deepEqual(await slow, { status: 200, connection: 'close', body: 'slow done' });
      assert.equal(await done, 0);
      assert.deepEqual(r.exits, [0]);
    } finally {
      idleAgent.destroy();
      busyAgent.destroy();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('HTTP/2 sessions get GOAWAY and their open stream completes', async () => {
    const server = createHttp2Server();
    let respondEnd: (() => void) | undefined;
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      stream.write('h2 ');
      respondEnd = () => stream.end('done');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const r = rig({ servers: [server] });
    // The compatibility response the drain tracks the stream by: its end is part of this test.
    let responseClosed: Promise<unknown> | undefined;
    server.on('request', (_req, res) => void (responseClosed = once(res, 'close')));
    const client = connectHttp2(`http://127.0.0.1:${port}`);
    try {
      const goaway = once(client, 'goaway');
      const stream = client.request({ ':path': '/' });
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      const ended = once(stream, 'end');
      await until('the stream to open', () => respondEnd !== undefined);
      const done = r.shutdown.shutdown();
      await goaway;
      respondEnd?.();
      await ended;
      assert.equal(body, 'h2 done');
      assert.equal(await done, 0);
      await responseClosed;
      await tick();
    } finally {
      client.destroy();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('a server that begins listening after the drain began is closed at once, logged, and makes the exit code 1', async () => {
    // shutdownOn() at boot, SIGTERM during `await db.connect()`, then `server.listen()`.
    const server = createServer((_req, res) => res.end('app'));
    let releaseHook!: () => void;
    const hookDone = new Promise<void>((resolve) => (releaseHook = resolve));
    const r = rig({ servers: [server], drainDelayMs: 1000, hooks: [{ name: 'db', run: () => hookDone, timeoutMs: 10_000 }] });
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      await r.clock.advance(1000);
      assert.equal(r.shutdown.phase, 'hooks');
      let port = 0;
      // Prepended: the drain closes the server in its own 'listening' listener, and the address goes with it.
      server.prependListener('listening', () => (port = (server.address() as AddressInfo).port));
      server.listen(0, '127.0.0.1');
      await once(server, 'close');
      assert.equal(server.listening, false, 'closed in the turn it began listening');
      await assert.rejects(get(port, '/', new Agent()), /ECONNREFUSED/);
      releaseHook();
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [1]);
      assert.ok(
        r.logs.includes(`error a server began listening on 127.0.0.1:${port} 1 s into the shutdown (phase hooks), after it stopped accepting: closed it at once, so it served nothing. Start servers before awaiting slow startup work, or skip listen() once shutdown.phase is set`),
        r.logs.join('\n'),
      );
      assert.equal(r.logs.at(-1), `error exiting with code 1 after 1 s; cut short: server on 127.0.0.1:${port} (began listening during the shutdown; closed at once)`);
    } finally {
      releaseHook();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('shutdown() called twice runs everything once', async () => {
    let runs = 0;
    const r = rig({ hooks: [{ name: 'pool', run: () => void (runs += 1) }] });
    try {
      const first = r.shutdown.shutdown();
      const second = r.shutdown.shutdown();
      r.signals.emit('SIGTERM', 'SIGTERM');
      assert.equal(first, second);
      await tick();
      assert.deepEqual(r.events, ['begin@0', 'stop-accepting@0', 'drained@0', 'hooks@0', 'hook pool ok@0', 'exit@0', 'exit 0@0'], 'with nothing to wait for, the whole sequence runs without the clock moving');
      assert.equal(await first, 0);
      assert.equal(runs, 1);
      assert.deepEqual(r.exits, [0]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test('a second signal forces exit at once with 128 + the signal number', async () => {
    const r = rig({ drainDelayMs: 5000, hooks: [{ name: 'pool', run: () => undefined }] });
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      await r.clock.advance(100);
      r.signals.emit('SIGINT', 'SIGINT');
      assert.deepEqual(r.exits, [130]);
      assert.equal(r.logs.find((l) => l.startsWith('error second SIGINT')), 'error second SIGINT received 100 ms into the shutdown: forcing exit with code 130; nothing pending');
      assert.equal(await r.shutdown.shutdown(), 130);
      r.health.stop();
      assert.equal(r.clock.pending, 0, 'with the health’s own timers stopped, none is left: the drain delay’s timer and the deadline were cleared at the forced exit');
      await r.clock.advance(10_000);
      assert.deepEqual(r.exits, [130], 'the interrupted sequence never exits again');
      assert.ok(!r.events.some((e) => e.startsWith('hook')), 'hooks did not run after a forced exit');
      assert.deepEqual(r.events, ['begin@0', 'drain-delay@0', 'exit@100', 'exit 130@100'], 'the sequence stops where it was: no phase after the exit');
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test('a hook that throws and a hook that hangs: the others still run, in order, and the exit code is 1 naming both', async () => {
    const ran: string[] = [];
    let aborted: unknown;
    const r = rig({
      hooks: [
        { name: 'first', run: () => void ran.push('first') },
        {
          name: 'hangs',
          timeoutMs: 3000,
          run: (signal) =>
            new Promise(() => {
              signal.addEventListener('abort', () => (aborted = signal.reason), { once: true });
            }),
        },
        {
          name: 'throws',
          run: () => {
            throw new Error('flush failed: EPIPE');
          },
        },
      ],
    });
    try {
      const done = r.shutdown.shutdown();
      await r.clock.advance(2999);
      assert.deepEqual(r.exits, []);
      await r.clock.advance(1);
      assert.deepEqual(r.exits, [1], 'the exit follows the hook’s timeout in the same step');
      assert.equal(await done, 1);
      assert.deepEqual(ran, ['first']);
      assert.deepEqual(r.events.filter((e) => e.startsWith('hook ')), ['hook throws failed@0', 'hook hangs timeout@3000', 'hook first ok@0']);
      assert.match(String(aborted), /hook `hangs` timed out after 3 s/);
      assert.ok(r.logs.includes('error hook "throws" failed after 0 ms: flush failed: EPIPE'));
      assert.ok(r.logs.includes('error hook "hangs" timed out after 3 s; moving on'));
      assert.equal(r.logs.at(-1), 'error exiting with code 1 after 3 s; cut short: hook "throws" (failed: flush failed: EPIPE); hook "hangs" (timed out after 3 s)');
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test('a request that never finishes is cut when only the hooks’ time is left, and named in the log', async () => {
    let arrived = false;
    const { server, port } = await listening(() => {
      arrived = true; // never answers
    });
    const r = rig({ servers: [server], gracePeriodMs: 10_000, marginMs: 1000, hooks: [{ name: 'pool', timeoutMs: 2000, run: () => undefined }] });
    const agent = new Agent({ keepAlive: true });
    try {
      const stuck = get(port, '/never?x=1', agent).then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code,
      );
      await until('the request to arrive', () => arrived);
      const done = r.shutdown.shutdown();
      await r.clock.advance(6999);
      assert.deepEqual(r.exits, []);
      await r.clock.advance(1);
      assert.deepEqual(r.exits, [1], 'cut, hooks run and exit in the step the drain window ends');
      assert.equal(await done, 1);
      assert.equal(await stuck, 'ECONNRESET');
      assert.ok(r.logs.includes('error 1 request(s) still in flight after waiting 7 s (the rest is kept for the hooks): GET /never?x=1 (running 7 s); destroying their connections'));
      assert.deepEqual(r.events.slice(-4), ['hooks@7000', 'hook pool ok@0', 'exit@7000', 'exit 1@7000']);
    } finally {
      agent.destroy();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });

  test('the grace period bounds everything: a hook outliving the budget is named and the process exits 1', async () => {
    const r = rig({ gracePeriodMs: 5000, marginMs: 1000, hooks: [{ name: 'slow-flush', timeoutMs: 20_000, run: () => new Promise(() => {}) }] });
    try {
      const done = r.shutdown.shutdown();
      await r.clock.advance(3999);
      assert.deepEqual(r.exits, []);
      await r.clock.advance(1);
      assert.deepEqual(r.exits, [1], 'exit(1) is called by the deadline itself, in the same step');
      assert.equal(await done, 1);
      assert.ok(r.logs.includes('error grace period budget of 4 s (gracePeriodMs - marginMs) used up in phase hooks; still pending: hook "slow-flush" (running 4 s); destroying the rest'));
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });
});

describe('closing the health last', () => {
  test('a health.close() that never settles is ended by the deadline: exit 1 at the budget, not before', async () => {
    const clock = new VirtualClock();
    const exits: number[] = [];
    const logs: string[] = [];
    const logger = { info: () => {}, warn: (m: string) => logs.push(`warn ${m}`), error: (m: string) => logs.push(`error ${m}`) };
    const health = { beginShutdown: () => {}, close: () => new Promise<void>(() => {}) };
    const shutdown = shutdownOn(health, { clock, signalSource: new EventEmitter(), exit: (code) => exits.push(code), logger, env: {}, gracePeriodMs: 5000, marginMs: 1000, drainDelayMs: 0 });
    try {
      const done = shutdown.shutdown();
      await clock.advance(3999);
      assert.deepEqual(exits, [], 'nothing ends the wait for close() before the budget');
      await clock.advance(1);
      assert.deepEqual(exits, [1]);
      assert.equal(await done, 1);
      assert.ok(logs.some((l) => l.startsWith('error grace period budget of 4 s (gracePeriodMs - marginMs) used up in phase hooks')), logs.join('\n'));
    } finally {
      shutdown.dispose();
    }
  });
});

describe('the second signal', () => {
  test('while a request is in flight: exit 128 + 15 at once, its connection destroyed in the same turn, the request named, and the sequence goes no further', async () => {
    const s = await stuckServer();
    const r = rig({ servers: [s.server], checkServers: false });
    try {
      const stuck = send(s.port, 'GET', '/stuck');
      await until('the request to arrive', () => s.arrived.length === 1);
      r.signals.emit('SIGTERM', 'SIGTERM');
      await r.clock.advance(100);
      assert.equal(r.shutdown.phase, 'stop-accepting');
      r.signals.emit('SIGTERM', 'SIGTERM');
      assert.deepEqual(r.exits, [143]);
      assert.equal(s.sockets[0]?.destroyed, true, 'destroyed before the exit, not left to the process dying');
      assert.equal(r.logs.find((l) => l.startsWith('error second')), 'error second SIGTERM received 100 ms into the shutdown: forcing exit with code 143; 1 request(s): GET /stuck (running 100 ms)');
      assert.equal(await stuck, 'ECONNRESET');
      await r.clock.advance(30_000);
      assert.deepEqual(r.exits, [143]);
      assert.deepEqual(r.events, ['begin@0', 'stop-accepting@0', 'exit@100', 'exit 143@100']);
      assert.equal(r.logs.at(-1), 'error exiting with code 143 after 100 ms; cut short: 1 request(s): GET /stuck (running 100 ms)');
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      s.server.closeAllConnections();
      s.server.close();
    }
  });

  test('while a hook hangs: the hooks after it never start', async () => {
    const ran: string[] = [];
    const r = rig({
      hooks: [
        { name: 'pool', run: () => void ran.push('pool') },
        { name: 'flush', timeoutMs: 5000, run: () => new Promise(() => {}) },
      ],
    });
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      await r.clock.advance(100);
      assert.equal(r.shutdown.phase, 'hooks');
      r.signals.emit('SIGTERM', 'SIGTERM');
      assert.deepEqual(r.exits, [143]);
      assert.equal(r.logs.find((l) => l.startsWith('error second')), 'error second SIGTERM received 100 ms into the shutdown: forcing exit with code 143; hook "flush" (running 100 ms)');
      await r.clock.advance(10_000);
      assert.deepEqual(ran, [], 'the hook registered first (run last) never ran');
      assert.deepEqual(r.events, ['begin@0', 'stop-accepting@0', 'drained@0', 'hooks@0', 'exit@100', 'exit 143@100']);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test('while a `webSockets` function hangs: the drain is not waited for and nothing more runs', async () => {
    const ran: string[] = [];
    const r = rig({ webSockets: [() => new Promise(() => {})], hooks: [{ name: 'pool', run: () => void ran.push('pool') }] });
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      await r.clock.advance(100);
      r.signals.emit('SIGINT', 'SIGINT');
      assert.deepEqual(r.exits, [130]);
      await r.clock.advance(30_000);
      assert.deepEqual(ran, []);
      assert.deepEqual(r.events, ['begin@0', 'stop-accepting@0', 'exit@100', 'exit 130@100']);
      assert.ok(!r.logs.some((l) => l.startsWith('info stopped accepting')), r.logs.join('\n'));
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });
});

describe('the exit code', () => {
  test('one hook that times out, alone, makes it 1 and is named in the exit event', async () => {
    const r = rig({ hooks: [{ name: 'flush', timeoutMs: 1000, run: () => new Promise(() => {}) }] });
    const pending: (readonly string[])[] = [];
    r.shutdown.on('exit', (e) => void pending.push(e.pending));
    try {
      const done = r.shutdown.shutdown();
      await r.clock.advance(999);
      assert.deepEqual(r.exits, []);
      await r.clock.advance(1);
      assert.deepEqual(r.exits, [1], 'the exit follows the hook’s timeout in the same step');
      assert.equal(await done, 1);
      assert.deepEqual(pending, [['hook "flush" (timed out after 1 s)']]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test('one hook that throws, alone, makes it 1 and is named in the exit event', async () => {
    const r = rig({
      hooks: [
        {
          name: 'flush',
          run: () => {
            throw new Error('EPIPE');
          },
        },
      ],
    });
    const pending: (readonly string[])[] = [];
    r.shutdown.on('exit', (e) => void pending.push(e.pending));
    try {
      assert.equal(await r.shutdown.shutdown(), 1);
      assert.deepEqual(r.exits, [1]);
      assert.deepEqual(pending, [['hook "flush" (failed: EPIPE)']]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });
});

describe('the budget', () => {
  test('with a drain delay and nothing to drain, exit 0 comes in the step the delay ends', async () => {
    const r = rig({ drainDelayMs: 2000 });
    try {
      const done = r.shutdown.shutdown();
      await r.clock.advance(1999);
      assert.deepEqual(r.exits, []);
      await r.clock.advance(1);
      assert.deepEqual(r.exits, [0]);
      assert.equal(await done, 0);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });

  test('without hooks, a request still in flight at gracePeriodMs - marginMs has its connection destroyed by the deadline, which names it, exit 1', async () => {
    const s = await stuckServer();
    const r = rig({ servers: [s.server], checkServers: false, gracePeriodMs: 10_000, marginMs: 1000 });
    try {
      const stuck = send(s.port, 'GET', '/never');
      await until('the request to arrive', () => s.arrived.length === 1);
      const done = r.shutdown.shutdown();
      await r.clock.advance(8999);
      assert.deepEqual(r.exits, []);
      assert.equal(s.sockets[0]?.destroyed, false);
      await r.clock.advance(1);
      assert.deepEqual(r.exits, [1]);
      assert.equal(s.sockets[0]?.destroyed, true);
      assert.ok(r.logs.includes('error grace period budget of 9 s (gracePeriodMs - marginMs) used up in phase stop-accepting; still pending: 1 request(s): GET /never (running 9 s); destroying the rest'), r.logs.join('\n'));
      assert.equal(await done, 1);
      assert.equal(await stuck, 'ECONNRESET');
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      s.server.closeAllConnections();
      s.server.close();
    }
  });
});

describe('servers and requests in the log', () => {
  test('a server added with server() is validated like the option; its stuck POST is timed from arrival, cut when only the hooks’ time is left, and named as cut short', async () => {
    const s = await stuckServer();
    const r = rig({ checkServers: false, gracePeriodMs: 10_000, marginMs: 1000, hooks: [{ name: 'pool', timeoutMs: 2000, run: () => undefined }] });
    const pending: (readonly string[])[] = [];
    r.shutdown.on('exit', (e) => void pending.push(e.pending));
    try {
      assert.throws(() => r.shutdown.server({} as never), { name: 'TypeError', message: 'Expected `servers[0]` to be a node:http, https or http2 server, got `{}`' });
      r.shutdown.server(s.server);
      const stuck = send(s.port, 'POST', '/orders');
      await until('the request to arrive', () => s.arrived.length === 1);
      await r.clock.advance(500);
      const done = r.shutdown.shutdown();
      await r.clock.advance(6999);
      assert.deepEqual(r.exits, []);
      await r.clock.advance(1);
      assert.equal(s.sockets[0]?.destroyed, true, 'its connection is destroyed when the drain window ends');
      assert.ok(r.logs.includes('error 1 request(s) still in flight after waiting 7 s (the rest is kept for the hooks): POST /orders (running 7.5 s); destroying their connections'), r.logs.join('\n'));
      assert.equal(await done, 1);
      assert.equal(await stuck, 'ECONNRESET');
      assert.equal(r.logs.at(-1), 'error exiting with code 1 after 7 s; cut short: request POST /orders');
      assert.deepEqual(pending, [['request POST /orders']]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      s.server.closeAllConnections();
      s.server.close();
    }
  });

  test('requests cut at the drain window are listed oldest first across servers, five of them with URLs cut at 100 characters, then how many more', async () => {
    const a = await stuckServer();
    const b = await stuckServer();
    const r = rig({ servers: [a.server, b.server], checkServers: false, gracePeriodMs: 10_000, marginMs: 1000, hooks: [{ name: 'pool', timeoutMs: 1000, run: () => undefined }] });
    const long = `/b1-${'x'.repeat(150)}`;
    const outcomes: Promise<string>[] = [];
    try {
      // Every 100 ms one more request arrives, alternating servers: b1 (0 ms), a1, b2, a2, a3, b3, a4 (600 ms).
      const plan: Array<[typeof a, string]> = [[b, long], [a, '/a1'], [b, '/b2'], [a, '/a2'], [a, '/a3'], [b, '/b3'], [a, '/a4']];
      for (const [i, [target, path]] of plan.entries()) {
        if (i > 0) await r.clock.advance(100);
        const before = target.arrived.length;
        outcomes.push(send(target.port, 'GET', path));
        await until(`${path.slice(0, 4)} to arrive`, () => target.arrived.length === before + 1);
      }
      const done = r.shutdown.shutdown();
      await r.clock.advance(8000);
      const shown = [`GET ${long.slice(0, 100)} (running 8.6 s)`, 'GET /a1 (running 8.5 s)', 'GET /b2 (running 8.4 s)', 'GET /a2 (running 8.3 s)', 'GET /a3 (running 8.2 s)', 'and 2 more'];
      assert.ok(r.logs.includes(`error 7 request(s) still in flight after waiting 8 s (the rest is kept for the hooks): ${shown.join(', ')}; destroying their connections`), r.logs.join('\n'));
      assert.equal(await done, 1);
      assert.deepEqual(await Promise.all(outcomes), Array(7).fill('ECONNRESET'));
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      for (const s of [a, b]) {
        s.server.closeAllConnections();
        s.server.close();
      }
    }
  });

  test('a server beginning to listen during the shutdown is named by its socket path, or as an unknown address when it is gone before the drain sees it', async () => {
    const path = join(tmpdir(), `probekit-late-${process.pid}.sock`);
    const pipe = createServer((_req, res) => res.end('app'));
    const gone = createServer((_req, res) => res.end('app'));
    let release!: () => void;
    const hook = new Promise<void>((resolve) => (release = resolve));
    const r = rig({ servers: [pipe, gone], checkServers: false, hooks: [{ name: 'db', timeoutMs: 10_000, run: () => hook }] });
    try {
      void r.shutdown.shutdown();
      await tick();
      assert.equal(r.shutdown.phase, 'hooks');
      pipe.listen(path);
      await once(pipe, 'close');
      // The app's own listener closes it first, so the address is gone when the drain asks.
      gone.prependListener('listening', () => gone.close());
      gone.listen(0, '127.0.0.1');
      await once(gone, 'close');
      release();
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [1]);
      assert.ok(r.logs.some((l) => l.startsWith(`error a server began listening on ${path} 0 ms into the shutdown (phase hooks)`)), r.logs.join('\n'));
      assert.ok(r.logs.some((l) => l.startsWith('error a server began listening on an unknown address 0 ms into the shutdown (phase hooks)')), r.logs.join('\n'));
      assert.equal(
        r.logs.at(-1),
        `error exiting with code 1 after 0 ms; cut short: server on ${path} (began listening during the shutdown; closed at once); server on an unknown address (began listening during the shutdown; closed at once)`,
      );
    } finally {
      release();
      r.shutdown.dispose();
      r.health.stop();
      pipe.close();
      gone.close();
    }
  });

  test('a request on a connection handed to the server by a front (emit(connection)) finishes before the exit, exit 0', async () => {
    let release: (() => void) | undefined;
    const app = createServer((_req, res) => void (release = () => res.end('done')));
    const handed: import('node:net').Socket[] = [];
    const front = createNetServer((socket) => {
      handed.push(socket);
      app.emit('connection', socket);
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    const r = rig({ servers: [app], checkServers: false });
    try {
      const answer = send((front.address() as AddressInfo).port, 'GET', '/slow');
      await until('the request to arrive', () => release !== undefined);
      const done = r.shutdown.shutdown();
      await tick();
      assert.deepEqual(r.exits, [], 'no exit while the request is in flight');
      assert.equal(r.shutdown.phase, 'stop-accepting');
      release?.();
      assert.equal(await answer, '200 done');
      assert.equal(await done, 0);
      assert.deepEqual(r.exits, [0]);
    } finally {
      r.shutdown.dispose();
      r.health.stop();
      for (const socket of handed) socket.destroy();
      front.close();
    }
  });

  test('a server handed over before it listens serves normally once it listens', async () => {
    const server = createServer((_req, res) => res.end('app'));
    const r = rig({ servers: [server], checkServers: false });
    const agent = new Agent();
    try {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      await tick();
      assert.equal(server.listening, true);
      assert.equal((await get((server.address() as AddressInfo).port, '/', agent)).body, 'app');
      assert.deepEqual(r.logs, []);
    } finally {
      agent.destroy();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });
});

describe('dispose()', () => {
  test('before the shutdown: removes each listener it added, once, from the signal source and from the servers', async () => {
    const { server } = await listening((_req, res) => res.end('app'));
    const events = ['request', 'connection', 'listening', 'session'];
    const baseline = events.map((e) => server.listenerCount(e));
    const calls: string[] = [];
    const signalSource = { on: (event: string) => void calls.push(`on ${event}`), off: (event: string) => void calls.push(`off ${event}`) };
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    try {
      const s = shutdownOn({ beginShutdown: () => {} }, { servers: [server], signalSource, uncaughtErrors: 'shutdown', logger: quiet, exit: () => {}, env: {}, clock: new VirtualClock() });
      assert.deepEqual(
        events.map((e) => server.listenerCount(e)),
        baseline.map((n) => n + 1),
      );
      s.dispose();
      s.dispose();
      assert.deepEqual(events.map((e) => server.listenerCount(e)), baseline, 'the drain no longer watches the server');
      assert.deepEqual(calls, ['on SIGTERM', 'on SIGINT', 'on uncaughtException', 'on unhandledRejection', 'off SIGTERM', 'off SIGINT', 'off uncaughtException', 'off unhandledRejection']);
    } finally {
      server.close();
    }
  });

  test('during the sequence: the servers are still drained, a request that arrives in the drain delay included', async () => {
    let release: (() => void) | undefined;
    const { server, port } = await listening((_req, res) => (release = () => res.end('late done')));
    const r = rig({ servers: [server], drainDelayMs: 1000, checkServers: false });
    const agent = new Agent({ keepAlive: true });
    try {
      r.signals.emit('SIGTERM', 'SIGTERM');
      r.shutdown.dispose();
      await r.clock.advance(500);
      const late = get(port, '/late', agent);
      await until('the request to arrive', () => release !== undefined);
      await r.clock.advance(500);
      assert.ok(r.logs.includes('info stopped accepting on 1 server(s); idle keep-alive connections closed; waiting for 1 in-flight request(s)'), r.logs.join('\n'));
      release?.();
      assert.deepEqual(await late, { status: 200, connection: 'close', body: 'late done' });
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
    } finally {
      agent.destroy();
      r.shutdown.dispose();
      r.health.stop();
      server.close();
    }
  });
});

describe('the health at the end', () => {
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };

  test('close() runs after the hooks and the exit waits for it; stop() is not called then', async () => {
    const clock = new VirtualClock();
    const calls: string[] = [];
    const exits: string[] = [];
    const health: ShutdownHealth = {
      beginShutdown: () => void calls.push('beginShutdown'),
      close: () => new Promise<void>((resolve) => clock.setTimeout(() => resolve(void calls.push('closed')), 300)),
      stop: () => void calls.push('stop'),
    };
    const s = shutdownOn(health, { clock, signalSource: new EventEmitter(), logger: quiet, env: {}, exit: (code) => void exits.push(`${code}@${clock.now() - start}`), hooks: [{ name: 'pool', run: () => void calls.push('hook pool') }] });
    const start = clock.now();
    try {
      const done = s.shutdown();
      await clock.advance(299);
      assert.deepEqual(exits, []);
      await clock.advance(1);
      assert.equal(await done, 0);
      assert.deepEqual(exits, ['0@300']);
      assert.deepEqual(calls, ['beginShutdown', 'hook pool', 'closed']);
    } finally {
      s.dispose();
    }
  });

  test('stop() when the health has no close(); a close() that throws is logged and the exit is still 0', async () => {
    const calls: string[] = [];
    const warnings: string[] = [];
    const base = { clock: new VirtualClock(), signalSource: new EventEmitter(), env: {}, exit: () => {}, logger: { ...quiet, warn: (m: string) => void warnings.push(m) } };
    const a = shutdownOn({ beginShutdown: () => {}, stop: () => void calls.push('stop') }, base);
    const b = shutdownOn(
      {
        beginShutdown: () => {},
        close: () => {
          throw new Error('probe port already closed');
        },
      },
      base,
    );
    try {
      assert.equal(await a.shutdown(), 0);
      assert.deepEqual(calls, ['stop']);
      assert.equal(await b.shutdown(), 0);
      assert.deepEqual(warnings, ['closing the health failed: probe port already closed']);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

describe('webSockets entries', () => {
  test('a function that rejects and a ws server whose close throws are logged and the drain goes on; a socket.io engine without a client count counts 0', async () => {
    const closes: number[] = [];
    const r = rig({
      webSockets: [
        { clients: [{ close: (code?: number) => void closes.push(code ?? 0) }] },
        { engine: { close: () => {} } },
        {
          clients: [
            {
              close: () => {
                throw new Error('socket already gone');
              },
            },
          ],
        },
        () => Promise.reject(new Error('redis adapter down')),
        () => Promise.resolve('closed'),
      ],
    });
    try {
      assert.equal(await r.shutdown.shutdown(), 0);
      assert.deepEqual(closes, [1001]);
      assert.deepEqual(
        r.logs.filter((l) => l.startsWith('warn')),
        ['warn closing webSockets[2] failed: socket already gone', 'warn closing WebSockets failed: redis adapter down'],
      );
      assert.ok(r.logs.includes('info stopped accepting on 0 server(s); idle keep-alive connections closed; 0 event stream(s) ended; 1 WebSocket(s) closed with 1001; waiting for 0 in-flight request(s)'), r.logs.join('\n'));
    } finally {
      r.shutdown.dispose();
      r.health.stop();
    }
  });
});

describe('shutdownOn() arguments', () => {
  test('anything but a health is refused with a TypeError naming what it got', () => {
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const options = { signalSource: new EventEmitter(), exit: () => {}, logger: quiet, env: {} };
    const cases: Array<[unknown, string]> = [
      [null, 'null'],
      [undefined, 'undefined'],
      [{}, '{}'],
      [Object.assign(() => {}, { beginShutdown: () => {} }), 'a function'],
    ];
    for (const [health, shown] of cases) {
      assert.throws(() => shutdownOn(health as ShutdownHealth, options), { name: 'TypeError', message: `Expected the first argument of shutdownOn() to be the health (createHealth()), got \`${shown}\`` });
    }
  });
});

describe('shutdown options', () => {
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const base = { signalSource: new EventEmitter(), exit: () => {}, logger: quiet };

  test('the drain delay defaults to 5 s in Kubernetes and 0 elsewhere', () => {
    const health = new HealthEngine({ clock: new VirtualClock() });
    try {
      const k8s = shutdownOn(health, { ...base, env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } });
      const local = shutdownOn(health, { ...base, env: {} });
      assert.equal(k8s.options.drainDelayMs, 5000);
      assert.equal(k8s.options.kubernetes, true);
      assert.equal(local.options.drainDelayMs, 0);
      assert.deepEqual([local.options.gracePeriodMs, local.options.marginMs, local.options.hookTimeoutMs, local.options.signals], [30_000, 2000, 5000, ['SIGTERM', 'SIGINT']]);
      k8s.dispose();
      local.dispose();
    } finally {
      health.stop();
    }
  });

  test('signal handlers are installed by shutdownOn() and removed by dispose()', () => {
    const health = new HealthEngine({ clock: new VirtualClock() });
    const signals = new EventEmitter();
    try {
      const s = shutdownOn(health, { ...base, signalSource: signals, env: {} });
      assert.deepEqual([signals.listenerCount('SIGTERM'), signals.listenerCount('SIGINT')], [1, 1]);
      s.dispose();
      assert.deepEqual([signals.listenerCount('SIGTERM'), signals.listenerCount('SIGINT')], [0, 0]);
    } finally {
      health.stop();
    }
  });

  test('a plan that does not fit the grace period is reported at start', () => {
    const health = new HealthEngine({ clock: new VirtualClock() });
    const warnings: string[] = [];
    try {
      const s = shutdownOn(health, {
        ...base,
        env: {},
        logger: { ...quiet, warn: (m) => warnings.push(m) },
        drainDelayMs: 5000,
        gracePeriodMs: 10_000,
        hooks: [{ name: 'a', run: () => {} }],
      });
      assert.deepEqual(warnings, [
        'the plan does not fit the grace period: drainDelayMs 5 s + hooks 5 s (1) leaves 0 ms for in-flight requests within gracePeriodMs 10 s - marginMs 2 s; raise terminationGracePeriodSeconds (and gracePeriodMs), or shorten the drain delay or the hooks\' timeouts',
      ]);
      s.dispose();
    } finally {
      health.stop();
    }
  });

  test('invalid options are refused, naming the option and the value', () => {
    const health = new HealthEngine({ clock: new VirtualClock() });
    try {
      const cases: Array<[ShutdownOptions, string]> = [
        [{ drainDelayMs: -1 }, 'Expected `drainDelayMs` to be a non-negative integer, got `-1`'],
        [{ gracePeriodMs: 0 }, 'Expected `gracePeriodMs` to be a positive integer, got `0`'],
        [{ gracePeriodMs: 1000, marginMs: 1000 }, 'Expected `marginMs` to be less than `gracePeriodMs` (1000), got `1000`'],
        [{ signals: ['TERM'] }, 'Expected `signals` to be an array of signal names like \'SIGTERM\', got `["TERM"]`'],
        [{ hooks: [{ name: 'x', run: 'nope' as unknown as () => void }] }, 'Expected `hooks[0].run` to be a function (signal) => …, got `"nope"`'],
        [{ servers: [{} as never] }, 'Expected `servers[0]` to be a node:http, https or http2 server, got `{}`'],
        [{ signals: ['SIGKILL'] }, 'Expected `signals` to name signals a process can handle, got `SIGKILL` (it cannot be caught)'],
        [{ signals: ['SIGSTOP'] }, 'Expected `signals` to name signals a process can handle, got `SIGSTOP` (it cannot be caught)'],
        [{ signals: ['SIGNOPE'] }, 'Expected `signals` to name signals this platform knows, got `SIGNOPE`'],
        [{ keepReadyDuringDrain: 'yes' as unknown as boolean }, 'Expected `keepReadyDuringDrain` to be a boolean, got `"yes"`'],
        [{ checkServers: 1 as unknown as boolean }, 'Expected `checkServers` to be a boolean, got `1`'],
        [{ webSockets: [{ close: () => {} } as never] }, 'Expected `webSockets[0]` to be a ws WebSocketServer, a socket.io Server or a function, got `{}`'],
        [{ uncaughtErrors: 'exit' as never }, 'Expected `uncaughtErrors` to be one of `node-default`, `fail-liveness`, `shutdown`, got `"exit"`'],
        [{ drainDelay: 5 } as unknown as ShutdownOptions, 'Unknown option `drainDelay` in shutdownOn() options; expected one of `servers`, `signals`, `keepReadyDuringDrain`, `webSockets`, `checkServers`, `uncaughtErrors`, `drainDelayMs`, `gracePeriodMs`, `marginMs`, `hooks`, `hookTimeoutMs`, `exit`, `signalSource`, `logger`, `env`, `clock`'],
      ];
      for (const [options, message] of cases) assert.throws(() => shutdownOn(health, { ...base, env: {}, ...options }), { message });
    } finally {
      health.stop();
    }
  });
});
