import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
// The official server side: grpc-node's own health service implementation.
import { HealthImplementation } from 'grpc-health-check';
import { HealthEngine } from '../engine/engine.js';
import { grpcHealthCheck } from './grpc-health.js';
import { faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

let server: grpc.Server;
let port = 0;
const health = new HealthImplementation({ '': 'SERVING', api: 'NOT_SERVING', warming: 'UNKNOWN' });

function client(toPort: number): grpc.Client {
  return new grpc.Client(`127.0.0.1:${toPort}`, grpc.credentials.createInsecure());
}

before(async () => {
  server = new grpc.Server();
  health.addToServer(server);
  port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
});
after(() => server.forceShutdown());

test('grpc: SERVING passes with the round trip in its details; other statuses fail, naming the service', async () => {
  const c = client(port);
  try {
    const serving = await runOnce(grpcHealthCheck(c), 2000);
    assert.equal(serving.ok, true, serving.message);
    const details = serving.value as Record<string, unknown>;
    assert.equal(details['observedUnit'], 'ms');
    assert.equal(details['measurement'], 'responseTime');
    assert.equal(details['componentType'], 'component');
    assert.equal((await runOnce(grpcHealthCheck(c, { service: 'api' }), 2000)).message, 'grpc: service "api" is NOT_SERVING');
    assert.equal((await runOnce(grpcHealthCheck(c, { service: 'warming' }), 2000)).message, 'grpc: service "warming" is UNKNOWN');
    assert.equal((await runOnce(grpcHealthCheck(c, { service: 'nope' }), 2000)).message, 'grpc: 5 NOT_FOUND: Health status unknown for service nope');
    health.setStatus('', 'NOT_SERVING');
    try {
      assert.equal((await runOnce(grpcHealthCheck(c), 2000)).message, 'grpc: the server is NOT_SERVING');
    } finally {
      health.setStatus('', 'SERVING');
    }
  } finally {
    c.close();
  }
});

test('grpc: fails under refuse, reset, blackhole and latency, and recovers each time', { timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'grpc',
    target: { host: '127.0.0.1', port },
    connect: async (p) => client(p),
    disconnect: async (c) => c.close(),
    check: (c) => grpcHealthCheck(c),
    timeoutMs: 500,
    expect: {
      latency: /^grpc: timed out after 500 ms$/,
      blackhole: /^grpc: timed out after 500 ms$/,
      reset: /^grpc: 14 UNAVAILABLE: (Connection dropped|No connection established\. Last error: Error: connect ECONNRESET 127\.0\.0\.1:\d+)/,
      refuse: /^grpc: 14 UNAVAILABLE: No connection established\. Last error: Error: connect ECONNREFUSED 127\.0\.0\.1:\d+/,
    },
  });
});

test('grpc: an aborted run cancels its call', async () => {
  const c = client(port);
  try {
    let cancelled = 0;
    const spy = {
      makeUnaryRequest: (...args: Parameters<grpc.Client['makeUnaryRequest']>) => {
        const call = (c.makeUnaryRequest as (...a: unknown[]) => grpc.ClientUnaryCall)(...args);
        call.on('status', (status: grpc.StatusObject) => {
          if (status.code === grpc.status.CANCELLED) cancelled += 1;
        });
        return call;
      },
    };
    const outcome = await runOnce(grpcHealthCheck(spy as never), 0);
    assert.equal(outcome.message, 'grpc: timed out after 0 ms');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(cancelled, 1);
  } finally {
    c.close();
  }
});

test('grpc: 1,000 runs share the client\'s one connection', { timeout: 120_000 }, async () => {
  const c = client(port);
  try {
    const definition = grpcHealthCheck(c);
    for (let i = 0; i < 1000; i++) {
      const outcome = await runOnce(definition, 2000);
      assert.equal(outcome.ok, true, `run ${i}: ${outcome.message}`);
    }
    assert.equal((await ownConnectionsTo(port)).length, 1);
  } finally {
    c.close();
  }
});

test('grpc through the engine: refused on liveness, passes on readiness', async () => {
  const c = client(port);
  const engine = new HealthEngine({ maxLagMs: 0, maxBlockMs: 0 });
  try {
    assert.throws(() => engine.liveness('downstream', grpcHealthCheck(c)), /Refusing to register dependency check `downstream` on liveness/);
    engine.readiness('downstream', grpcHealthCheck(c), { intervalMs: 200, timeoutMs: 1000 });
    await engine.whenReady({ signal: AbortSignal.timeout(10_000) });
    assert.equal(engine.snapshot().checks[0]!.status, 'pass');
  } finally {
    engine.stop();
    c.close();
  }
});

test('grpc: options and the client are validated by name', () => {
  const c = client(port);
  try {
    assert.throws(() => grpcHealthCheck(c, { service: 1 } as never), /Expected `service` to be a string, got `1`/);
    assert.throws(() => grpcHealthCheck(c, { name: 'x' } as never), /Unknown option `name` in grpcHealthCheck\(\) options/);
    assert.throws(() => grpcHealthCheck({} as never), /Expected `client` to be a @grpc\/grpc-js Client, got `a plain object` \(missing `makeUnaryRequest\(\)`\)/);
  } finally {
    c.close();
  }
});
