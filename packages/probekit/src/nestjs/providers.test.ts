import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { postgresCheck } from '../checks/postgres.js';
import { redisCheck } from '../checks/redis.js';
import { createFaultProxy } from '../testing/index.js';
import { Health, ProbekitLifecycle, ProbekitModule } from './index.js';

const skip = (await skipUnless('postgres')) || (await skipUnless('redis'));

const PG_POOL = Symbol('pg pool');
const REDIS = Symbol('redis client');

async function until(what: string, predicate: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The Redis client's check is registered by a provider that injects Health (the way a module owning a
// microservice client would); the pool's check comes from forRootAsync() with the pool injected.
class RedisHealth {
  constructor(health: Health, redis: Redis) {
    health.readiness('redis', redisCheck(redis), { intervalMs: 200, timeoutMs: 500 });
  }
}
Injectable()(RedisHealth);
Inject(Health)(RedisHealth, undefined, 0);
Inject(REDIS)(RedisHealth, undefined, 1);

test('checks registered from providers run against the real clients those providers hold: PostgreSQL through forRootAsync(), Redis through an injected Health; a PostgreSQL outage fails readiness only', { skip }, async () => {
  const proxy = await createFaultProxy({ target: { host: SERVICES.postgres.host, port: SERVICES.postgres.port } });
  class DataModule {}
  Module({
    providers: [
      {
        provide: PG_POOL,
        useFactory: () => {
          const pool = new pg.Pool({ host: '127.0.0.1', port: proxy.port, user: 'postgres', database: 'test', max: 2, connectionTimeoutMillis: 1000 });
          pool.on('error', () => {}); // an idle client reset by the outage; node-postgres needs a listener
          return pool;
        },
      },
      {
        provide: REDIS,
        useFactory: () => {
          const redis = new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, retryStrategy: () => 100, maxRetriesPerRequest: 1 });
          redis.on('error', () => {});
          return redis;
        },
      },
    ],
    exports: [PG_POOL, REDIS],
  })(DataModule);
  class AppModule {}
  Module({
    imports: [
      DataModule,
      ProbekitModule.forRootAsync({
        imports: [DataModule],
        inject: [PG_POOL],
        useFactory: (pool: pg.Pool) => ({
          listen: { port: 0, host: '127.0.0.1', thread: 'main' },
          shutdown: { drainDelayMs: 0 },
          checks: (health: Health) => health.readiness('postgres', postgresCheck(pool), { intervalMs: 200, timeoutMs: 500 }),
        }),
      }),
    ],
    providers: [RedisHealth],
  })(AppModule);
  const app = await NestFactory.create(AppModule, new ExpressAdapter(), { logger: false });
  try {
    await app.listen(0, '127.0.0.1');
    const probes = app.get(ProbekitLifecycle).probeServer!;
    const readyz = async () => {
      const response = await fetch(`${probes.url}/readyz?verbose`);
      return { status: response.status, body: await response.text() };
    };
    await until('both checks to pass', async () => (await readyz()).status === 200);
    const ready = await readyz();
    assert.match(ready.body, /^\[\+\]postgres ok$/m);
    assert.match(ready.body, /^\[\+\]redis ok$/m);
    // Refusing also resets the pool's open connections, as when the database host drops them.
    await proxy.setMode('refuse');
    await until('readiness to fail on postgres', async () => (await readyz()).status === 503);
    const failing = await readyz();
    assert.match(failing.body, /^\[-\]postgres failed: reason withheld$/m);
    assert.match(failing.body, /^\[\+\]redis ok$/m);
    assert.equal((await fetch(`${probes.url}/livez`)).status, 200, 'a dependency outage never fails liveness');
    await proxy.setMode('pass');
    await until('readiness to come back', async () => (await readyz()).status === 200);
  } finally {
    await app.close();
    await app.get(PG_POOL).end().catch(() => {});
    app.get<Redis>(REDIS).disconnect();
    await proxy.close();
  }
});
