import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { VirtualClock } from './clock.js';
import { HealthEngine } from './engine.js';
import { evaluate } from './evaluate.js';

/** Values a hostile check throws, rejects with or resolves to, beyond what fc.anything() makes. */
function exotic(): fc.Arbitrary<() => unknown> {
  const revoked = (target: object) => () => {
    const { proxy, revoke } = Proxy.revocable(target, {});
    revoke();
    return proxy;
  };
  const throwingGetter = (key: string) => () => Object.defineProperty({}, key, { enumerable: true, get() { throw new Error(`getter ${key}`); } });
  const errorWith = (field: 'message' | 'name' | 'code' | 'errors', value: unknown) => () => {
    const error = field === 'errors' ? new AggregateError([], '') : new Error('x');
    Object.defineProperty(error, field, { value, configurable: true });
    return error;
  };
  const fieldValue = fc.oneof(fc.anything(), fc.constant(Symbol('s')), fc.constant(() => 1), fc.string({ maxLength: 5000 }));
  return fc.oneof(
    fc.anything().map((value) => () => value),
    fc.constantFrom(revoked({}), revoked(new Error('e')), revoked([]), revoked(() => 1)),
    fc.constantFrom('message', 'name', 'then', 'observedValue', 'output', 'errors', 'code', 'toString', 'valueOf').map(throwingGetter),
    fc.tuple(fc.constantFrom('message', 'name', 'code', 'errors') as fc.Arbitrary<'message' | 'name' | 'code' | 'errors'>, fieldValue).map(([field, value]) => errorWith(field, value)),
    fc.string({ minLength: 0, maxLength: 200_000 }).map((s) => () => new Error(s)),
    fc.constant(() => Object.create(null) as unknown),
    fc.constant(() => new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('proto trap'); } })),
    fc.constant(() => ({ observedValue: 1n })),
    fc.constant(() => ({ then: (_resolve: unknown, reject: (e: unknown) => void) => reject(Symbol('rejected')) })),
  );
}

const how = fc.constantFrom('throw', 'reject', 'resolve', 'return');

test('whatever a check throws, rejects with or resolves to becomes a result with a one-line reason, never a crash', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(exotic(), how), { minLength: 1, maxLength: 6 }), async (checks) => {
      const clock = new VirtualClock();
      const engine = new HealthEngine({ clock });
      try {
        checks.forEach(([make, mode], i) => {
          engine.readiness(`c${i}`, () => {
            const value = make();
            if (mode === 'throw') throw value;
            if (mode === 'reject') return Promise.reject(value);
            if (mode === 'resolve') return Promise.resolve(value);
            return value;
          });
        });
        await clock.advance(1);
        await clock.advance(1000);
        const snapshot = engine.snapshot();
        for (const check of snapshot.checks) {
          assert.ok(check.status === 'pass' || check.status === 'fail', `${check.name}: ${check.status}`);
          assert.ok(check.runs >= 1);
          if (check.status === 'fail') {
            assert.equal(typeof check.reason, 'string');
            assert.ok(check.reason!.length > 0 && check.reason!.length <= 300, `reason of ${check.reason!.length} characters`);
            assert.ok(!check.reason!.includes('\n'));
          }
        }
        const verdict = evaluate(snapshot, 'readiness', { loopBlockedMs: 0 });
        assert.equal(verdict.ok, snapshot.checks.every((c) => c.status === 'pass'));
      } finally {
        engine.stop();
      }
    }),
    { numRuns: 300 },
  );
});
