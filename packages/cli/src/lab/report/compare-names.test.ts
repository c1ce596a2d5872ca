import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario } from '../scenario/load-scenario.js';
import { underSameFaults } from './compare.js';

test('a dependency named like an Object.prototype member is a name like any other when comparing scenarios', async () => {
  const a = await parseScenario('name: a\ndependencies: { constructor: {} }\nfaults:\n  - { dependency: constructor, kind: down, at: 1s, for: 1s }\n', 'a.yaml');
  const withIt = await parseScenario('name: b\ndependencies: { constructor: {} }\n', 'b.yaml');
  const without = await parseScenario('name: c\n', 'c.yaml');
  assert.equal(Object.getPrototypeOf(a.dependencies), null);
  assert.deepEqual(underSameFaults(a, withIt).faults, a.faults);
  assert.throws(() => underSameFaults(a, without), /Cannot compare: a's fault timeline uses dependency `constructor`, which c does not declare/);
});
