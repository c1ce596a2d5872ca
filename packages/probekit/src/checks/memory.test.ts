import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryCheck } from './memory.js';

const MiB = 1024 * 1024;

/** Writes cgroup files in the kernel's format (one number and a newline; `memory.stat` as `key value` lines). */
async function fakeCgroup(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'probekit-cgroup-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), text);
  }
  return root;
}

async function run(definition: ReturnType<typeof memoryCheck>): Promise<{ ok: boolean; message: string; value?: Record<string, unknown> }> {
  try {
    const value = (await definition.check(new AbortController().signal)) as Record<string, unknown>;
    return { ok: true, message: 'ok', value };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

const unlimitedHere = (() => {
  const limit = process.constrainedMemory?.();
  return limit === undefined || limit === 0 || limit >= 2 ** 62;
})();

test('memory: cgroup v2 working set (memory.current minus inactive_file) against memory.max', async () => {
  const root = await fakeCgroup({
    'memory.current': `${900 * MiB}\n`,
    'memory.max': `${1024 * MiB}\n`,
    'memory.stat': `anon ${700 * MiB}\nfile ${200 * MiB}\nactive_file ${100 * MiB}\ninactive_file ${100 * MiB}\n`,
  });
  try {
    const passing = await run(memoryCheck({ cgroupRoot: root }));
    assert.equal(passing.ok, true, passing.message);
    assert.deepEqual(passing.value, {
      observedValue: 78.1,
      observedUnit: 'percent',
      measurement: 'utilization',
      componentType: 'system',
      output: 'cgroup v2 working set 800.0 MiB of 1.0 GiB (78.1%)',
    });
    const failing = await run(memoryCheck({ cgroupRoot: root, maxUsedPercent: 75 }));
    assert.equal(failing.message, 'memory: cgroup v2 working set 800.0 MiB of 1.0 GiB (78.1%), above maxUsedPercent 75%');
  } finally {
    await rm(root, { recursive: true });
  }
});

test('memory: cgroup v1 working set (usage_in_bytes minus total_inactive_file) against limit_in_bytes', async () => {
  const root = await fakeCgroup({
    'memory/memory.usage_in_bytes': `${500 * MiB}\n`,
    'memory/memory.limit_in_bytes': `${512 * MiB}\n`,
    'memory/memory.stat': `cache ${30 * MiB}\ninactive_file 1\ntotal_inactive_file ${10 * MiB}\n`,
  });
  try {
    const failing = await run(memoryCheck({ cgroupRoot: root }));
    assert.equal(failing.message, 'memory: cgroup v1 working set 490.0 MiB of 512.0 MiB (95.7%), above maxUsedPercent 90%');
  } finally {
    await rm(root, { recursive: true });
  }
});

test('memory: with usage rss, this process\'s resident set is compared with the limit', async () => {
  const root = await fakeCgroup({ 'memory.current': `${1000 * MiB}\n`, 'memory.max': `${1024 * MiB}\n`, 'memory.stat': '' });
  try {
    const passing = await run(memoryCheck({ cgroupRoot: root, usage: 'rss', rss: () => 256 * MiB }));
    assert.equal(passing.value?.['output'], 'rss 256.0 MiB of 1.0 GiB (25%)');
    const explicit = await run(memoryCheck({ cgroupRoot: root, usage: 'rss', rss: () => 256 * MiB, limitBytes: 272 * MiB }));
    assert.equal(explicit.message, 'memory: rss 256.0 MiB of 272.0 MiB (94.1%), above maxUsedPercent 90%');
  } finally {
    await rm(root, { recursive: true });
  }
});

test('memory: no limit in the cgroup ("max") passes and says so', { skip: unlimitedHere ? false : 'this machine runs under a memory limit' }, async () => {
  const root = await fakeCgroup({ 'memory.current': `${64 * MiB}\n`, 'memory.max': 'max\n', 'memory.stat': `inactive_file ${MiB}\n` });
  try {
    const passing = await run(memoryCheck({ cgroupRoot: root }));
    assert.deepEqual(passing.value, { observedValue: 63 * MiB, observedUnit: 'bytes', measurement: 'utilization', componentType: 'system', output: 'cgroup v2 working set 63.0 MiB, no memory limit' });
  } finally {
    await rm(root, { recursive: true });
  }
});

test('memory: where no cgroup is mounted, RSS is measured', async () => {
  const root = await fakeCgroup({});
  try {
    const passing = await run(memoryCheck({ cgroupRoot: root, rss: () => 10 * MiB, limitBytes: 100 * MiB }));
    assert.equal(passing.value?.['output'], 'rss 10.0 MiB of 100.0 MiB (10%)');
  } finally {
    await rm(root, { recursive: true });
  }
});

test('memory: on this machine the default reads the real cgroup files', async () => {
  const passing = await run(memoryCheck());
  assert.equal(passing.ok, true, passing.message);
  const v2 = await readFile('/sys/fs/cgroup/memory.current', 'utf8').then(() => true, () => false);
  const v1 = await readFile('/sys/fs/cgroup/memory/memory.usage_in_bytes', 'utf8').then(() => true, () => false);
  const expected = v2 ? /^cgroup v2 working set / : v1 ? /^cgroup v1 working set / : /^rss /;
  assert.match(String(passing.value?.['output']), expected);
  assert.equal(typeof passing.value?.['observedValue'], 'number');
});

test('memory: options are validated by name', () => {
  assert.throws(() => memoryCheck({ maxUsedPercent: 120 }), /Expected `maxUsedPercent` to be a number from 0 to 100, got `120`/);
  assert.throws(() => memoryCheck({ usage: 'heap' as never }), /Expected `usage` to be one of/);
  assert.throws(() => memoryCheck({ limitBytes: 0 }), /Expected `limitBytes` to be a positive integer, got `0`/);
  assert.throws(() => memoryCheck({ limit: 1 } as never), /Unknown option `limit` in memoryCheck\(\) options/);
  assert.equal(memoryCheck().dependency, false);
});
