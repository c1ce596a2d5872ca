import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rollingRestart } from '../shutdown/test-fixtures/rolling/harness.js';

const SERVER = fileURLToPath(new URL('./test-fixtures/server.js', import.meta.url));

// The harness of docs/shutdown.md (3 replicas behind a readiness-polling balancer, 8 keep-alive clients,
// half of them on 1.5 s requests), with a real Nest application that calls app.enableShutdownHooks():
// Nest owns the signal, ProbekitModule drains inside app.close(). 3 rounds per platform keep the suite short
// (a Nest replica takes seconds to start on a busy machine; 5 rounds took 116 s for Express).
const cases = [
  // Plain enableShutdownHooks(): after its hooks Nest re-raises the signal, so the process ends by SIGTERM (exit code 143).
  { platform: 'express', processExit: false, exit: 'SIGTERM' },
  // enableShutdownHooks(signals, { useProcessExit: true }): Nest ends with process.exit(0).
  { platform: 'fastify', processExit: true, exit: 0 },
] as const;

for (const c of cases) {
  test(`zero-loss rolling restart of a Nest ${c.platform} app with enableShutdownHooks(${c.processExit ? '…, { useProcessExit: true }' : ''}): 3 rounds, 0 failed requests, 0 resets`, { timeout: 240_000 }, async (t) => {
    const result = await rollingRestart({
      command: [SERVER],
      env: { PLATFORM: c.platform, DRAIN_DELAY_MS: '2000', PROCESS_EXIT: c.processExit ? '1' : '0' },
      replicas: 3,
      rounds: 3,
      pollMs: 1000,
      concurrency: 8,
      paths: ['/', '/work?ms=1500'],
    });
    const summary = JSON.stringify(result);
    t.diagnostic(summary);
    assert.equal(result.rounds, 3);
    assert.deepEqual(result.errors, {}, summary);
    assert.equal(result.failed, 0, summary);
    assert.equal(result.resets, 0, summary);
    assert.deepEqual(result.exits, Array(3).fill(c.exit), summary);
    assert.ok(result.requests >= (result.durationMs / 1000) * 20, summary);
    // Every replica waited out the drain delay (no second-signal force exit) and none needed its grace period.
    for (const ms of result.drainMs) assert.ok(ms >= 2000 && ms < 28_000, `SIGTERM to exit took ${ms} ms`);
  });
}
