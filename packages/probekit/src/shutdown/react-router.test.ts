import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rollingRestart } from './test-fixtures/rolling/harness.js';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/react-router-express.js', import.meta.url));
const BUILD = fileURLToPath(new URL('./test-fixtures/react-router-build.js', import.meta.url));

// examples/react-router-express.js with the real @react-router/express request handler over a hand-written
// server build (a document entry and a loader route): the probes on the app port, the same harness as
// rolling-restart.test.ts, 3 rounds.
test('zero-loss rolling restart of examples/react-router-express.js: 3 rounds, 0 failed requests, 0 resets, every exit 0', { timeout: 180_000 }, async (t) => {
  const result = await rollingRestart({
    command: [EXAMPLE],
    env: { REACT_ROUTER_BUILD: BUILD, DRAIN_DELAY_MS: '2000' },
    replicas: 3,
    rounds: 3,
    pollMs: 1000,
    concurrency: 8,
    // /work is the loader route: only React Router's handler answers it.
    paths: ['/', '/work?ms=1500'],
  });
  const summary = JSON.stringify(result);
  t.diagnostic(summary);
  assert.deepEqual(result.errors, {}, summary);
  assert.equal(result.failed, 0, summary);
  assert.deepEqual(result.exits, [0, 0, 0], summary);
  assert.ok(result.requests >= (result.durationMs / 1000) * 20, summary);
  for (const ms of result.drainMs) assert.ok(ms >= 2000 && ms < 28_000, `SIGTERM to exit took ${ms} ms`);
});
