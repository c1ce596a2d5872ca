import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
// The official client side: the health service definition shipped by grpc-node's grpc-health-check.
import { service as officialHealthService } from 'grpc-health-check';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { createGrpcHealth } from './index.js';
import { decodeListResponse, decodeRequest, decodeResponse, encodeListResponse, encodeRequest, encodeResponse } from './wire.js';

type HealthClient = grpc.Client & {
  check(req: { service: string }, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
  watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }>;
  list(req: object, cb: (err: grpc.ServiceError | null, res?: { statuses: Record<string, { status: string }> }) => void): void;
};

async function setup() {
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  let redisUp = true;
  health.readiness('redis', () => (redisUp ? Promise.resolve() : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))), { intervalMs: 1000 });
  health.heartbeat('consumer', { timeoutMs: 60_000 });
  const service = createGrpcHealth(health);
  const server = new grpc.Server();
  service.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  const Client = grpc.makeGenericClientConstructor(officialHealthService as unknown as grpc.ServiceDefinition, 'Health');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as HealthClient;
  const check = (name: string, deadlineMs = 5000) =>
    new Promise<{ status?: string; code?: number; ms: number }>((resolve) => {
      const start = performance.now();
      client.check({ service: name }, { deadline: Date.now() + deadlineMs }, (error, res) => {
        const ms = performance.now() - start;
        resolve(error ? { code: error.code, ms } : { status: res?.status ?? 'missing', ms });
      });
    });
  const list = () =>
    new Promise<Record<string, string>>((resolve, reject) =>
      client.list({}, (error, res) => {
        if (error) return reject(error);
        resolve(Object.fromEntries(Object.entries(res?.statuses ?? {}).map(([k, v]) => [k, v.status])));
      }),
    );
  const close = async () => {
    service.close();
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    health.stop();
  };
  return { clock, health, service, client, check, list, close, setRedis: (up: boolean) => void (redisUp = up) };
}

/** A Check answer without its timing. */
function pick(answer: { status?: string; code?: number }): { status?: string; code?: number } {
  return answer.code === undefined ? { status: answer.status ?? 'missing' } : { code: answer.code };
}

/** Collects a Watch stream's statuses; `until(n)` waits for the n-th one (bounded by real time). */
function watch(client: HealthClient, name: string) {
  const statuses: string[] = [];
  const call = client.watch({ service: name });
  let wake: (() => void) | undefined;
  call.on('data', (m: { status: string }) => {
    statuses.push(m.status);
    wake?.();
  });
  call.on('error', () => {});
  return {
    statuses,
    async until(n: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (statuses.length < n && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return statuses;
    },
    cancel: () => call.cancel(),
  };
}

describe('grpc.health.v1.Health fed by the snapshot (official grpc-health-check client)', () => {
  test('Check: "" and readiness follow readiness, liveness/startup their probes, each check its own status; unknown is NOT_FOUND', async () => {
    const t = await setup();
    try {
      assert.equal((await t.check('')).status, 'NOT_SERVING', 'not yet checked fails readiness');
      await t.clock.advance(1);
      for (const [name, status] of [['', 'SERVING'], ['readiness', 'SERVING'], ['liveness', 'SERVING'], ['startup', 'SERVING'], ['redis', 'SERVING'], ['consumer', 'SERVING']]) {
        assert.equal((await t.check(name!)).status, status, name);
      }
      t.setRedis(false);
      await t.clock.advance(1000);
      assert.equal((await t.check('')).status, 'NOT_SERVING');
      assert.equal((await t.check('redis')).status, 'NOT_SERVING');
      assert.equal((await t.check('liveness')).status, 'SERVING', 'a dependency never fails liveness');
      assert.equal((await t.check('nope')).code, grpc.status.NOT_FOUND);
    } finally {
      await t.close();
    }
  });

  test('Watch sends the current status, then only changes; an unknown service gets SERVICE_UNKNOWN', async () => {
    const t = await setup();
    try {
      await t.clock.advance(1);
      const ready = watch(t.client, '');
      const unknown = watch(t.client, 'nope');
      assert.deepEqual(await ready.until(1), ['SERVING']);
      assert.deepEqual(await unknown.until(1), ['SERVICE_UNKNOWN']);
      t.setRedis(false);
      await t.clock.advance(1000);
      assert.deepEqual(await ready.until(2), ['SERVING', 'NOT_SERVING']);
      // Three more failing runs make three more snapshots, and no message.
      await t.clock.advance(3000);
      t.setRedis(true);
      await t.clock.advance(1000);
      assert.deepEqual(await ready.until(3), ['SERVING', 'NOT_SERVING', 'SERVING']);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(ready.statuses, ['SERVING', 'NOT_SERVING', 'SERVING']);
      assert.deepEqual(unknown.statuses, ['SERVICE_UNKNOWN']);
      ready.cancel();
      unknown.cancel();
    } finally {
      await t.close();
    }
  });

  test('List names every service with its status', async () => {
    const t = await setup();
    try {
      await t.clock.advance(1);
      assert.deepEqual(await t.list(), { '': 'SERVING', readiness: 'SERVING', liveness: 'SERVING', startup: 'SERVING', redis: 'SERVING', consumer: 'SERVING' });
    } finally {
      await t.close();
    }
  });

  test('after shutdown begins every service is NOT_SERVING for good, and watchers are told', async () => {
    const t = await setup();
    try {
      await t.clock.advance(1);
      const live = watch(t.client, 'liveness');
      assert.deepEqual(await live.until(1), ['SERVING']);
      t.health.beginShutdown();
      assert.deepEqual(await live.until(2), ['SERVING', 'NOT_SERVING']);
      await t.clock.advance(5000);
      assert.deepEqual(await t.list(), { '': 'NOT_SERVING', readiness: 'NOT_SERVING', liveness: 'NOT_SERVING', startup: 'NOT_SERVING', redis: 'NOT_SERVING', consumer: 'NOT_SERVING' });
      live.cancel();
    } finally {
      await t.close();
    }
  });

  test('a kubelet-like gRPC probe (Check with a 1 s deadline) succeeds only on SERVING', async () => {
    const t = await setup();
    try {
      await t.clock.advance(1);
      const ok = await t.check('', 1000);
      assert.equal(ok.status, 'SERVING');
      assert.ok(ok.ms < 1000, `answered within the kubelet's 1 s timeout (took ${ok.ms.toFixed(1)} ms)`);
      t.setRedis(false);
      await t.clock.advance(1000);
      assert.equal((await t.check('', 1000)).status, 'NOT_SERVING');
    } finally {
      await t.close();
    }
  });

  test('names that are Object.prototype members: unknown ones are NOT_FOUND, a check so named answers its own status', async () => {
    const t = await setup();
    try {
      for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
        assert.deepEqual(pick(await t.check(name)), { code: grpc.status.NOT_FOUND }, name);
      }
      t.health.readiness('constructor', () => Promise.reject(new Error('down')));
      t.health.readiness('toString', () => undefined);
      await t.clock.advance(1);
      assert.deepEqual(pick(await t.check('constructor')), { status: 'NOT_SERVING' });
      assert.deepEqual(pick(await t.check('toString')), { status: 'SERVING' });
      assert.deepEqual(pick(await t.check('valueOf')), { code: grpc.status.NOT_FOUND });
      const listed = await t.list();
      assert.equal(listed['constructor'], 'NOT_SERVING');
      assert.equal(listed['toString'], 'SERVING');
    } finally {
      await t.close();
    }
  });

  test('the hand-written wire format round-trips, and skips unknown fields', () => {
    assert.deepEqual(decodeRequest(encodeRequest({ service: 'redis' })), { service: 'redis' });
    assert.deepEqual(decodeRequest(encodeRequest({ service: '' })), { service: '' });
    for (const status of ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const) assert.deepEqual(decodeResponse(encodeResponse({ status })), { status });
    const list = { statuses: { '': { status: 'SERVING' as const }, db: { status: 'NOT_SERVING' as const } } };
    assert.deepEqual({ statuses: { ...decodeListResponse(encodeListResponse(list)).statuses } }, list);
    const proto = decodeListResponse(encodeListResponse({ statuses: JSON.parse('{"__proto__":{"status":"SERVING"}}') as Record<string, { status: 'SERVING' }> }));
    assert.deepEqual(Object.keys(proto.statuses), ['__proto__'], 'a service named __proto__ is a key, not the prototype');
    // field 2 (varint 7) before field 1: ignored.
    assert.deepEqual(decodeRequest(Buffer.from([0x10, 0x07, 0x0a, 0x01, 0x78])), { service: 'x' });
    assert.throws(() => decodeRequest(Buffer.from([0x0a, 0x05, 0x78])), /truncated/);
  });
});
