import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rollingRestart } from './test-fixtures/rolling/harness.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/express.js', import.meta.url));
const WS_APP = fileURLToPath(new URL('./test-fixtures/rolling/apps/probekit-ws-app.js', import.meta.url));
const SOCKET_IO_APP = fileURLToPath(new URL('./test-fixtures/rolling/apps/probekit-socketio-app.js', import.meta.url));

// NOTE: scaled down from production so 10 rounds fit in about a minute: the balancer polls every 1 s
// (a readinessProbe with periodSeconds 1) and the drain delay is 2 s (5 s in Kubernetes, where
// endpoint removal takes seconds to reach every kube-proxy and ingress). The ratio is what matters:
// the drain delay must exceed the time the balancer needs to notice (poll interval + probe timeout).
test('zero-loss rolling restart: 3 replicas of examples/express.js, 10 rounds under constant keep-alive load, 0 failed requests and 0 resets', { timeout: 240_000 }, async () => {
  const result = await rollingRestart({
    command: [EXAMPLE],
    env: { DRAIN_DELAY_MS: '2000' },
    replicas: 3,
    rounds: 10,
    pollMs: 1000,
    concurrency: 8,
    // Half the clients hold requests that take 1.5 s, so requests are in flight when servers stop accepting.
    paths: ['/', '/work?ms=1500'],
  });
  const summary = JSON.stringify({ ...result, drainMs: undefined });
  assert.equal(result.rounds, 10);
  assert.deepEqual(result.errors, {}, summary);
  assert.equal(result.failed, 0, summary);
  assert.equal(result.resets, 0, summary);
  assert.deepEqual(result.exits, Array(10).fill(0), summary);
  // The load really was constant: at least 20 requests a second over the whole run, even on a busy machine.
  assert.ok(result.requests >= (result.durationMs / 1000) * 20, summary);
  // Every replica waited out the drain delay and none needed its grace period.
  for (const ms of result.drainMs) assert.ok(ms >= 2000 && ms < 28_000, `SIGTERM to exit took ${ms} ms`);
});

// The same scale as above. 12 WebSocket clients go through a layer-4 front (kube-proxy's part) that
// sends each new connection to a replica whose last readiness poll passed.
test('rolling restart with WebSockets: every client of a terminated replica gets 1001 and reconnects to a surviving one, every exit 0', { timeout: 240_000 }, async () => {
  const result = await rollingRestart({
    command: [WS_APP],
    env: { DRAIN_DELAY_MS: '2000' },
    replicas: 3,
    rounds: 5,
    pollMs: 1000,
    concurrency: 4,
    paths: ['/', '/work?ms=1500'],
    webSocketClients: 12,
  });
  const ws = result.webSockets!;
  const summary = JSON.stringify({ ...result, drainMs: undefined });
  const closes = Object.values(ws.closes).reduce((a, b) => a + b, 0);
  assert.ok(closes >= 1, `some clients were on terminated replicas: ${summary}`);
  assert.deepEqual(Object.keys(ws.closes), ['1001'], `every close was Going Away, none cut: ${summary}`);
  assert.equal(ws.reconnected, closes, `every closed client connected again: ${summary}`);
  assert.deepEqual(ws.connectErrors, {}, `no reconnect reached a replica that stopped accepting: ${summary}`);
  assert.ok(ws.echoed > 0, summary);
  assert.deepEqual(result.errors, {}, summary);
  assert.deepEqual(result.exits, Array(5).fill(0), summary);
  // The WebSockets no longer hold the drain: each replica exits soon after the drain delay.
  for (const ms of result.drainMs) assert.ok(ms >= 2000 && ms < 28_000, `SIGTERM to exit took ${ms} ms`);
});

test('rolling restart with socket.io: every client of a terminated replica sees "transport close" and reconnects by itself to a surviving one, every exit 0', { timeout: 240_000 }, async () => {
  const result = await rollingRestart({
    command: [SOCKET_IO_APP],
    env: { DRAIN_DELAY_MS: '2000' },
    replicas: 3,
    rounds: 3,
    pollMs: 1000,
    concurrency: 2,
    webSocketClients: 12,
    webSocketClient: 'socket.io',
  });
  const io = result.webSockets!;
  const summary = JSON.stringify({ ...result, drainMs: undefined });
  const closes = Object.values(io.closes).reduce((a, b) => a + b, 0);
  assert.ok(closes >= 1, `some clients were on terminated replicas: ${summary}`);
  // "transport close" is the reason after which socket.io-client reconnects; "io server disconnect" would leave it disconnected.
  assert.deepEqual(Object.keys(io.closes), ['transport close'], summary);
  assert.equal(io.reconnected, closes, `every disconnected client reconnected: ${summary}`);
  assert.deepEqual(io.connectErrors, {}, summary);
  assert.ok(io.echoed > 0, summary);
  assert.deepEqual(result.errors, {}, summary);
  assert.deepEqual(result.exits, Array(3).fill(0), summary);
});
