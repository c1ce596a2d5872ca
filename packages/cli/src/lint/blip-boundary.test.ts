import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintText } from './lint.js';

/** A pod whose only probe finding can be about its liveness timing. */
function pod(liveness: { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: api',
    'spec:',
    '  containers:',
    '    - name: api',
    '      image: example/api:1.0.0',
    '      livenessProbe:',
    '        httpGet:',
    '          path: /livez',
    '          port: 8081',
    `        periodSeconds: ${liveness.periodSeconds}`,
    `        timeoutSeconds: ${liveness.timeoutSeconds}`,
    `        failureThreshold: ${liveness.failureThreshold}`,
    '      readinessProbe:',
    '        httpGet:',
    '          path: /readyz',
    '          port: 8081',
    '',
  ].join('\n');
}

async function blipFindings(text: string, minLivenessToleranceSeconds?: number): Promise<string[]> {
  const options = minLivenessToleranceSeconds === undefined ? {} : { minLivenessToleranceSeconds };
  const findings = await lintText(text, 'pod.yaml', options);
  return findings.filter((f) => f.ruleId === 'liveness-blip-intolerant').map((f) => `${f.line}:${f.column} ${f.message}`);
}

// The tolerance is (failureThreshold - 1) x periodSeconds + timeoutSeconds: the outage the kubelet
// sits out before its failureThreshold-th failed probe restarts the container. Each row is derived
// by hand from that formula, one second either side of the limit.
describe('liveness-blip-intolerant at its boundary', () => {
  const rows = [
    { timing: { periodSeconds: 4, timeoutSeconds: 1, failureThreshold: 3 }, min: undefined, tolerance: 9, flagged: true },
    { timing: { periodSeconds: 4, timeoutSeconds: 2, failureThreshold: 3 }, min: undefined, tolerance: 10, flagged: false },
    { timing: { periodSeconds: 4, timeoutSeconds: 3, failureThreshold: 3 }, min: undefined, tolerance: 11, flagged: false },
    { timing: { periodSeconds: 10, timeoutSeconds: 4, failureThreshold: 2 }, min: 15, tolerance: 14, flagged: true },
    { timing: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 2 }, min: 15, tolerance: 15, flagged: false },
    { timing: { periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 }, min: 0, tolerance: 2, flagged: false },
  ] as const;

  for (const { timing, min, tolerance, flagged } of rows) {
    const limit = min ?? 10;
    test(`a ${tolerance}s tolerance against a ${limit}s limit is ${flagged ? 'flagged' : 'clean'}`, async () => {
      const expected = flagged
        ? [
            `13:9 livenessProbe restarts the container after a ${tolerance}s outage ((${timing.failureThreshold} - 1) x ${timing.periodSeconds}s + ${timing.timeoutSeconds}s timeout); tolerate at least ${limit}s`,
          ]
        : [];
      assert.deepEqual(await blipFindings(pod(timing), min), expected);
    });
  }

  test('a failureThreshold of 1 is its own finding, not a blip finding', async () => {
    const findings = await lintText(pod({ periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 1 }), 'pod.yaml');
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['liveness-failure-threshold-one'],
    );
  });
});
