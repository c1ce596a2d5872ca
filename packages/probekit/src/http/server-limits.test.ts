import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { VirtualClock } from '../engine/clock.js';
import { createHealth } from '../health.js';
import { kWorker, type ProbeThread } from './server.js';
import { workerExecArgv } from './worker-argv.js';

const run = promisify(execFile);

/** A raw connection: what it received, and when the server closed it (ms after `open`). */
function rawConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  const opened = performance.now();
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  // EPIPE/ECONNRESET while we still write is how a server that stopped reading ends it.
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - opened)));
  return {
    socket,
    closed,
    get received() {
      return received;
    },
  };
}

/** Writes `chunk` as fast as the socket takes it until the socket closes or `maxBytes` were written. */
function pump(socket: Socket, chunk: Buffer | string, maxBytes: number): void {
  const write = (): void => {
    while (!socket.destroyed && socket.writable && socket.bytesWritten < maxBytes) {
      if (!socket.write(chunk)) return;
    }
  };
  socket.on('drain', write);
  write();
}

/** Resolves with the close time, or fails the test when the server kept the connection past `ms`. */
async function closedWithin(connection: { closed: Promise<number>; socket: Socket }, ms: number, what: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      connection.closed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: the server still held the connection after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    connection.socket.destroy();
  }
}

const MB = 1024 * 1024;

for (const thread of ['main', 'worker'] as const satisfies readonly ProbeThread[]) {
  describe(`probe server limits (thread: ${thread})`, () => {
    async function serve() {
      const clock = new VirtualClock();
      const health = createHealth({ clock, env: {} });
      health.readiness('db', () => undefined);
      await clock.advance(1);
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      return { clock, health, server };
    }

    test('a request announcing a 1 GB body is answered and its connection closed: the server reads a bounded amount', async () => {
      const { health, server } = await serve();
      try {
        const c = rawConnection(server.port);
        c.socket.write('POST /livez HTTP/1.1\r\nHost: probe\r\nContent-Length: 1000000000\r\n\r\n');
        pump(c.socket, Buffer.alloc(64 * 1024, 0x61), 1_000_000_000);
        await closedWithin(c, 10_000, 'Content-Length body');
        assert.match(c.received, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
        assert.match(c.received, /\r\nConnection: close\r\n/i);
        // What fits in socket buffers and one read, never the body: kept alive, node:http read GBs.
        assert.ok(c.socket.bytesWritten < 64 * MB, `the client wrote ${(c.socket.bytesWritten / MB).toFixed(1)} MB`);
      } finally {
        await health.close();
      }
    });

    test('an endless chunked body is not read past the answer either', async () => {
      const { health, server } = await serve();
      try {
        const c = rawConnection(server.port);
        c.socket.write('GET /readyz HTTP/1.1\r\nHost: probe\r\nTransfer-Encoding: chunked\r\n\r\n');
        const chunk = `10000\r\n${'a'.repeat(0x10000)}\r\n`;
        pump(c.socket, chunk, 1_000_000_000);
        await closedWithin(c, 10_000, 'chunked body');
        assert.match(c.received, /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(c.received, /\r\nConnection: close\r\n/i);
        assert.ok(c.socket.bytesWritten < 64 * MB, `the client wrote ${(c.socket.bytesWritten / MB).toFixed(1)} MB`);
      } finally {
        await health.close();
      }
    });

    test('a GET with a small body gets its answer, then the connection closes', async () => {
      const { health, server } = await serve();
      try {
        const c = rawConnection(server.port);
        c.socket.write('GET /livez HTTP/1.1\r\nHost: probe\r\nContent-Length: 5\r\n\r\nhello');
        await closedWithin(c, 10_000, 'small body');
        assert.match(c.received, /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(c.received, /\r\nConnection: close\r\n/i);
        assert.ok(c.received.endsWith('\r\n\r\nok'), JSON.stringify(c.received));
      } finally {
        await health.close();
      }
    });

    test('a slowloris client that never finishes its headers is cut off within the headers timeout, not Node\'s 30 s check', async () => {
      const { health, server } = await serve();
      try {
        const c = rawConnection(server.port);
        c.socket.write('GET /livez HTTP/1.1\r\nHost: probe\r\n');
        const drip = setInterval(() => c.socket.write('X-Drip: 1\r\n'), 200);
        try {
          // headersTimeout (3 s) plus the checking interval, with room for a loaded machine; Node's default took 17-30 s.
          await closedWithin(c, 10_000, 'slowloris');
        } finally {
          clearInterval(drip);
        }
        assert.match(c.received, /^(HTTP\/1\.1 408 Request Timeout\r\n|$)/);
        // Meanwhile a probe is answered.
        const res = await fetch(`${server.url}/livez`);
        assert.equal(res.status, 200);
        await res.text();
      } finally {
        await health.close();
      }
    });

    test('checks named like Object.prototype members: JSON answers work and the server (or worker) lives on', async () => {
      const clock = new VirtualClock();
      const health = createHealth({ clock, env: {} });
      for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) health.readiness(name, () => undefined);
      await clock.advance(1);
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      const worker = thread === 'worker' ? (server as unknown as { [kWorker]: () => unknown })[kWorker]() : undefined;
      try {
        for (let i = 0; i < 5; i++) {
          for (const [path, headers] of [['/readyz?format=json', {}], ['/healthz', { accept: 'application/json' }], ['/livez?format=json', {}]] as const) {
            const res = await fetch(server.url + path, { headers });
            assert.equal(res.status, 200, path);
            const doc = (await res.json()) as { checks: Record<string, unknown> };
            if (path !== '/livez?format=json') assert.deepEqual(Object.keys(doc.checks).filter((k) => ['constructor', 'toString', 'valueOf', 'hasOwnProperty'].includes(k)).sort(), ['constructor', 'hasOwnProperty', 'toString', 'valueOf']);
          }
        }
        if (thread === 'worker') assert.equal((server as unknown as { [kWorker]: () => unknown })[kWorker](), worker, 'the same worker: it never died');
      } finally {
        await health.close();
      }
    });
  });
}

describe('the probe worker and the process\'s Node options', () => {
  test('workerExecArgv keeps what loads code like the app does and drops what a worker started from a file refuses', () => {
    const table: [string[], string[]][] = [
      [['--input-type=module', '-e', 'console.log(1)'], []],
      [['--eval', 'x', '--print', 'y', '-p', 'z'], []],
      [['--import', 'tsx', '--import=./otel.mjs', '-r', 'dotenv/config', '--require=./a.cjs'], ['--import', 'tsx', '--import=./otel.mjs', '-r', 'dotenv/config', '--require=./a.cjs']],
      [['--loader', 'ts-node/esm', '--experimental-loader=./l.mjs', '-C', 'development', '--conditions=custom'], ['--loader', 'ts-node/esm', '--experimental-loader=./l.mjs', '-C', 'development', '--conditions=custom']],
      [['--enable-source-maps', '--no-warnings', '--experimental-vm-modules', '--no-experimental-fetch'], ['--enable-source-maps', '--no-warnings', '--experimental-vm-modules', '--no-experimental-fetch']],
      [['--test', '--test-reporter=spec', '--watch', '--max-old-space-size=256', '--inspect=9229', '--title=app'], []],
      [['--experimental-default-type=module', '--input-type', 'module'], []],
    ];
    for (const [input, kept] of table) assert.deepEqual(workerExecArgv(input), kept, input.join(' '));
  });

  const index = new URL('../index.js', import.meta.url).href;

  test('under `node --input-type=module -e`, health.listen() starts its worker and answers', async () => {
    const script = `
      import { createHealth } from ${JSON.stringify(index)};
      const health = createHealth({ env: {} });
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
      const res = await fetch(server.url + '/livez');
      console.log(res.status, await res.text());
      await health.close();`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
    assert.equal(stdout, '200 ok\n');
  });

  test('a worker that fails to start rejects listen(); the process lives on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'probekit-worker-argv-'));
    try {
      // A preload that throws in worker threads only, as a broken instrumentation hook might.
      const preload = join(dir, 'throws-in-workers.mjs');
      await writeFile(preload, "import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) throw new Error('preload refuses workers');\n");
      const app = join(dir, 'app.mjs');
      await writeFile(app, `
        import { createHealth } from ${JSON.stringify(index)};
        const health = createHealth({ env: {} });
        try {
          await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
          console.log('listening');
        } catch (error) {
          console.log('rejected:', error.message);
        }
        await health.close();
        console.log('still running');`);
      const { stdout } = await run(process.execPath, ['--import', preload, app], { timeout: 30_000 });
      assert.equal(stdout, 'rejected: preload refuses workers\nstill running\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
