import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { Agent, createServer } from 'node:http';
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { shutdownOn } from './shutdown.js';
import type { ShutdownOptions } from './options.js';
import { get, listening, rig, until } from './test-fixtures/rig.js';

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
      await until('exit', () => r.exits.length > 0);
      assert.deepEqual(r.exits, [0]);
      assert.deepEqual(order, ['logs', 'postgres pool']);
      assert.deepEqual(r.events, ['begin@0', 'drain-delay@0', 'stop-accepting@2000', 'drained@2000', 'hooks@2000', 'hook logs ok@0', 'hook postgres pool ok@0', 'exit@2000', 'exit 0@2000']);
      assert.equal(server.listening, false);
      assert.equal(await r.shutdown.shutdown(), 0, 'the sequence resolves with the exit code');
      assert.match(r.logs[0] ?? '', /^info SIGTERM received: readiness now fails/);
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
      assert.match(r.logs.find((l) => l.startsWith('error second SIGINT')) ?? '', /^error second SIGINT received 100 ms into the shutdown: forcing exit with code 130/);
      assert.equal(await r.shutdown.shutdown(), 130);
      await r.clock.advance(10_000);
      assert.deepEqual(r.exits, [130], 'the interrupted sequence never exits again');
      assert.ok(!r.events.some((e) => e.startsWith('hook')), 'hooks did not run after a forced exit');
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
      assert.equal(await done, 1);
      assert.deepEqual(r.exits, [1]);
      assert.ok(r.logs.includes('error grace period budget of 4 s (gracePeriodMs - marginMs) used up in phase hooks; still pending: hook "slow-flush" (running 4 s); destroying the rest'));
    } finally {
      r.shutdown.dispose();
      r.health.stop();
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
