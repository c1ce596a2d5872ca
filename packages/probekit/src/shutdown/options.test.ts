import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GRACE_ENV_SAFETY_MS, resolveShutdownOptions } from './options.js';

describe('gracePeriodMs from PROBEKIT_TERMINATION_GRACE_SECONDS', () => {
  test('the manifest\'s grace period drives shutdownOn, less the safety margin', () => {
    const o = resolveShutdownOptions({ env: { PROBEKIT_TERMINATION_GRACE_SECONDS: '45' } });
    assert.equal(o.gracePeriodMs, 45_000 - GRACE_ENV_SAFETY_MS);
    assert.equal(GRACE_ENV_SAFETY_MS, 500);
  });

  test('the option wins over the environment, and without either the default is 30 s', () => {
    assert.equal(resolveShutdownOptions({ gracePeriodMs: 10_000, env: { PROBEKIT_TERMINATION_GRACE_SECONDS: '45' } }).gracePeriodMs, 10_000);
    assert.equal(resolveShutdownOptions({ env: {} }).gracePeriodMs, 30_000);
    assert.equal(resolveShutdownOptions({ env: { PROBEKIT_TERMINATION_GRACE_SECONDS: '' } }).gracePeriodMs, 30_000);
  });

  for (const bad of ['30s', '0', '-5', '1.5']) {
    test(`a malformed value (${JSON.stringify(bad)}) throws, naming the variable and the value`, () => {
      assert.throws(() => resolveShutdownOptions({ env: { PROBEKIT_TERMINATION_GRACE_SECONDS: bad } }), {
        name: 'TypeError',
        message: `Expected environment variable \`PROBEKIT_TERMINATION_GRACE_SECONDS\` to be a whole number of seconds (at least 1), got \`${JSON.stringify(bad)}\``,
      });
    });
  }
});
