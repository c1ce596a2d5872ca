import assert from 'node:assert/strict';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Inject, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { probes as expressProbes } from '../http/adapters/express.js';
import { probes as fastifyProbes } from '../http/adapters/fastify.js';
import { isProbeUrl } from '../http/adapters/probe-source.js';
import { assertCase, assertContractOver, CONTRACT_CASES, contractHealth } from '../http/test-fixtures/contract-table.js';
import { Health, ProbekitLifecycle, ProbekitModule } from './index.js';
import { AppModule, createApp, type Platform } from './test-fixtures/app.js';

/** A module with nothing but probekit, so the contract's checks are the only ones. */
class ContractModule {}
Module({})(ContractModule);

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly connection: string | undefined;
}

function get(port: number, path: string, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const statusOf = async (port: number, path: string): Promise<number> => (await get(port, path)).status;

for (const platform of ['express', 'fastify'] as const satisfies readonly Platform[]) {
  describe(`ProbekitModule in a real Nest application (${platform} platform)`, () => {
    test('the probe server starts at app.init(), startup completes when the app listens, a provider registers its check by injecting Health', async () => {
      const app = await createApp(platform, { listen: { port: 0, host: '127.0.0.1' } });
      try {
        assert.equal(app.get(ProbekitLifecycle).probeServer, undefined, 'nothing runs before init');
        await app.init();
        const probes = app.get(ProbekitLifecycle).probeServer;
        assert.ok(probes, 'the probe server is started at module init');
        assert.equal(await statusOf(probes.port, '/livez'), 200);
        assert.equal(await statusOf(probes.port, '/startupz'), 503, 'startup is not complete before app.listen()');
        assert.equal(await statusOf(probes.port, '/readyz'), 503);
        await app.listen(0, '127.0.0.1');
        await until('startup to complete', async () => (await statusOf(probes.port, '/startupz')) === 200);
        const ready = await get(probes.port, '/readyz?verbose');
        assert.equal(ready.status, 200);
        assert.match(ready.body, /^\[\+\]database ok$/m, 'the check registered by the DatabaseHealth provider');
        assert.equal(app.get(Health), app.get(ProbekitLifecycle).health, 'Health is injectable and the same instance');
        const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
        assert.equal((await get(port, '/')).body, 'hello from nest\n');
      } finally {
        await app.close();
      }
    });

    test('the HTTP contract, on the probe server the module starts and on the Nest app port through the platform adapter', async () => {
      const { health } = await contractHealth();
      const module = { module: ContractModule, imports: [ProbekitModule.forRoot({ health, listen: { port: 0, host: '127.0.0.1' }, shutdown: false })] };
      let app: INestApplication;
      if (platform === 'express') {
        const express = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), { logger: false });
        express.use(expressProbes(health));
        app = express;
      } else {
        const fastify = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false });
        await fastify.register(fastifyProbes, { health });
        app = fastify;
      }
      try {
        await app.listen(0, '127.0.0.1');
        await assertContractOver(app.get(ProbekitLifecycle).probeServer!.url);
        const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
        // Paths that are not probe paths belong to the Nest app on its own port.
        for (const c of CONTRACT_CASES.filter((c) => isProbeUrl(c.path))) {
          const res = await fetch(`http://127.0.0.1:${port}${c.path}`, { method: c.method, headers: c.headers ?? {} });
          assertCase(c, { status: res.status, header: (name) => res.headers.get(name), body: await res.text() });
        }
      } finally {
        await app.close();
      }
    });

    test('app.close(): readiness fails at once, the app serves through the drain delay, an in-flight request finishes before onModuleDestroy closes the database, no signal handler, the probe server closes last', async () => {
      const events: string[] = [];
      const sigterm = process.listenerCount('SIGTERM');
      const app = await createApp(platform, { listen: { port: 0, host: '127.0.0.1' }, shutdown: { drainDelayMs: 3000 } }, events);
      const agent = new Agent({ keepAlive: true });
      let closing: Promise<void> | undefined;
      try {
        await app.listen(0, '127.0.0.1');
        assert.equal(process.listenerCount('SIGTERM'), sigterm, 'the module installs no signal handler');
        const lifecycle = app.get(ProbekitLifecycle);
        const probes = lifecycle.probeServer!;
        const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
        await until('ready', async () => (await statusOf(probes.port, '/readyz')) === 200);
        // The query runs against the database provider across the whole drain.
        const inFlight = get(port, '/work?ms=4000', agent);
        await new Promise((resolve) => setTimeout(resolve, 100));
        closing = app.close();
        await until('readiness to fail', async () => (await statusOf(probes.port, '/readyz')) === 503);
        assert.equal(lifecycle.drain?.phase, 'drain-delay');
        const during = await get(port, '/', agent);
        assert.equal(lifecycle.drain?.phase, 'drain-delay', 'answered inside the drain delay');
        assert.deepEqual([during.status, during.body], [200, 'hello from nest\n'], 'serving normally during the drain delay');
        assert.equal((await statusOf(probes.port, '/livez')), 200, 'liveness keeps passing');
        assert.deepEqual(events, [], 'no Nest hook ran yet');
        assert.deepEqual(await inFlight, { status: 200, body: 'done\n', connection: 'close' });
        await closing;
        assert.deepEqual(events, ['database closed (onModuleDestroy)']);
        await assert.rejects(get(probes.port, '/livez'), { code: 'ECONNREFUSED' }, 'the probe server is closed with the app');
      } finally {
        agent.destroy();
        await (closing ?? app.close());
      }
    });
  });
}

describe('ProbekitModule options', () => {
  test('forRootAsync(): the options come from an injected provider, and its checks from there', async () => {
    const CONFIG = Symbol('config');
    class ConfigModule {}
    Module({ providers: [{ provide: CONFIG, useValue: { drainDelayMs: 0, cacheUp: false } }], exports: [CONFIG] })(ConfigModule);
    const probekit = ProbekitModule.forRootAsync({
      imports: [ConfigModule],
      inject: [CONFIG],
      useFactory: (config: { drainDelayMs: number; cacheUp: boolean }) => ({
        listen: { port: 0, host: '127.0.0.1' },
        shutdown: { drainDelayMs: config.drainDelayMs },
        checks: (health: Health) => {
          health.readiness('cache', async () => {
            if (!config.cacheUp) throw new Error('cache is down');
          });
        },
      }),
    });
    const app = await NestFactory.create(AppModule.with(probekit, []), new ExpressAdapter(), { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      const probes = app.get(ProbekitLifecycle).probeServer!;
      await until('the first check run', async () => /cache/.test((await get(probes.port, '/readyz?verbose')).body));
      const ready = await get(probes.port, '/readyz?verbose');
      assert.equal(ready.status, 503);
      assert.match(ready.body, /^\[-\]cache failed: reason withheld$/m);
      assert.match(ready.body, /^\[\+\]database ok$/m);
      assert.equal(app.get(ProbekitLifecycle).drain?.frameworkMs, 5000);
    } finally {
      await app.close();
    }
  });

  test('a Health of your own is used as given; listen: false starts no probe server; shutdown: false leaves the close alone', async () => {
    const { createHealth } = await import('../health.js');
    const health = createHealth();
    const app: INestApplication = await NestFactory.create(AppModule.with(ProbekitModule.forRoot({ health, listen: false, shutdown: false }), []), new ExpressAdapter(), { logger: false });
    try {
      const lifecycle = app.get(ProbekitLifecycle);
      assert.equal(app.get(Health), health);
      assert.equal(lifecycle.probeServer, undefined);
      assert.equal(lifecycle.drain, undefined);
      await app.close();
      assert.equal(health.shuttingDown, false, 'no drain ran');
      assert.equal(health.closed, true, 'the health is closed with the app');
    } finally {
      await app.close();
    }
  });

  test('a standalone application context (no HTTP server): startup completes after init, and close() drains at ProbekitModule\'s onModuleDestroy, before every onApplicationShutdown', async () => {
    const order: string[] = [];
    class Worker {
      readonly #health: Health;
      constructor(health: Health) {
        this.#health = health;
      }
      onApplicationShutdown(): void {
        order.push(`worker shut down, readiness off: ${this.#health.shuttingDown}`);
      }
    }
    Inject(Health)(Worker, undefined, 0);
    class WorkerModule {}
    Module({ imports: [ProbekitModule.forRoot({ health: { env: {} }, listen: { port: 0, host: '127.0.0.1' }, shutdown: { drainDelayMs: 0 } })], providers: [Worker] })(WorkerModule);
    const context = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    try {
      await context.init();
      const probes = context.get(ProbekitLifecycle).probeServer!;
      await until('startup to complete', async () => (await statusOf(probes.port, '/startupz')) === 200);
      await until('ready', async () => (await statusOf(probes.port, '/readyz')) === 200);
      await context.close();
      assert.deepEqual(order, ['worker shut down, readiness off: true']);
      assert.equal(context.get(Health).closed, true);
    } finally {
      await context.close();
    }
  });

  test('bad options throw a TypeError naming the option and the value', () => {
    assert.throws(() => ProbekitModule.forRoot({ listn: {} } as never), { name: 'TypeError', message: /listn/ });
    assert.throws(() => ProbekitModule.forRootAsync({ useFactory: 'nope' } as never), {
      name: 'TypeError',
      message: 'Expected `useFactory` to be a function returning the ProbekitModule options, got `"nope"`',
    });
  });
});
