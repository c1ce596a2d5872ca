import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { checkNames } from '../http/test-fixtures/arbitraries.js';
import { createGrpcHealth } from './index.js';

const PROBES = new Set(['', 'readiness', 'liveness', 'startup']);

test('gRPC Check of any service name: a probe, a registered check with its own status, or unknown (NOT_FOUND) — never a prototype member', async () => {
  await fc.assert(
    fc.asyncProperty(
      checkNames,
      fc.array(fc.oneof(fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype), '', 'readiness', 'liveness', 'startup'), fc.string({ maxLength: 20 })), { minLength: 1, maxLength: 20 }),
      async (names, asked) => {
        const clock = new VirtualClock();
        const engine = new HealthEngine({ clock });
        const service = createGrpcHealth(engine);
        try {
          names.forEach((name, i) => engine.readiness(name, i % 2 === 0 ? () => undefined : () => Promise.reject(new Error('down'))));
          await clock.advance(1);
          const readiness = names.length > 1 ? 'NOT_SERVING' : 'SERVING';
          for (const name of [...asked, ...names]) {
            const status = service.status(name);
            const i = names.indexOf(name);
            if (PROBES.has(name)) assert.ok(status === 'SERVING' || status === 'NOT_SERVING', name);
            else if (i >= 0) assert.equal(status, i % 2 === 0 ? 'SERVING' : 'NOT_SERVING', name);
            else assert.equal(status, undefined, `${JSON.stringify(name)} is unknown`);
          }
          assert.equal(service.status('readiness'), readiness);
          assert.deepEqual(service.services(), ['', 'readiness', 'liveness', 'startup', ...names]);
        } finally {
          service.close();
          engine.stop();
        }
      },
    ),
    { numRuns: 300 },
  );
});
