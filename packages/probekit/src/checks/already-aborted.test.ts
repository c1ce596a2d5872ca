import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { postgresCheck } from './postgres.js';
import { redisCheck } from './redis.js';
import { DependencyCheckError, raceAbort } from './shared.js';

const skipPostgres = await skipUnless('postgres');
const skipRedis = await skipUnless('redis');

// A check run can get a signal that is already aborted (the engine shutting down between
// scheduling a run and starting it). raceAbort's first branch handles it for every client check.

describe('raceAbort with a signal that is already aborted', () => {
  test('rejects at once with the kind and the reason, releases the work once, and swallows its later failure', async () => {
    const reason = new Error('process is shutting down');
    const signal = AbortSignal.abort(reason);
    let released = 0;
    let fail: (e: Error) => void = () => {};
    const work = new Promise<string>((_, reject) => (fail = reject));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const raced = raceAbort('redis', signal, work, () => (released += 1));
      assert.equal(released, 1, 'released synchronously, before the caller awaits');
      await assert.rejects(raced, (error: unknown) => {
        assert.ok(error instanceof DependencyCheckError);
        assert.equal(error.message, 'redis: process is shutting down');
        assert.equal(error.kind, 'redis');
        assert.equal(error.cause, reason);
        return true;
      });
      fail(new Error('connection closed'));
      await sleep(10);
      assert.deepEqual(unhandled, [], 'the abandoned work rejecting later is not an unhandled rejection');
      assert.equal(released, 1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('an abort without a reason reads as "This operation was aborted"', async () => {
    await assert.rejects(raceAbort('nats', AbortSignal.abort(), Promise.resolve(1)), { message: 'nats: This operation was aborted' });
  });
});

describe('client checks given an already-aborted signal', () => {
  test('postgres (pool): rejects with the reason and gives the pooled connection back', { skip: skipPostgres }, async () => {
    const pool = new pg.Pool({ ...SERVICES.postgres, user: 'postgres', database: 'test', max: 1, connectionTimeoutMillis: 5000 });
    pool.on('error', () => {});
    try {
      const { check } = postgresCheck(pool);
      await assert.rejects(Promise.resolve(check(AbortSignal.abort(new Error('shutting down')))), { message: 'postgres: shutting down' });
      // With max 1, a connection kept by the aborted run would leave the next run waiting forever.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('the aborted run kept the only connection')), 10_000);
      try {
        await check(controller.signal);
      } finally {
        clearTimeout(timer);
      }
      assert.equal(pool.totalCount, 1);
    } finally {
      await pool.end();
    }
  });

  test('redis (ioredis): rejects with the reason', { skip: skipRedis }, async () => {
    const client = new Redis({ ...SERVICES.redis, lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    try {
      await client.connect();
      const { check } = redisCheck(client);
      await assert.rejects(Promise.resolve(check(AbortSignal.abort(new Error('shutting down')))), (error: unknown) => {
        assert.ok(error instanceof DependencyCheckError);
        assert.equal(error.message, 'redis: shutting down');
        return true;
      });
    } finally {
      client.disconnect();
    }
  });
});
