import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { parseScenario } from '../scenario/load-scenario.js';
import { runReal } from './real.js';

const service = fileURLToPath(new URL('./test-fixtures/real-service.js', import.meta.url));

test('real mode: Redis refused for 6 s takes real replicas out of the load balancer and back, without a restart', { skip: await skipUnless('redis'), timeout: 90_000 }, async () => {
  const scenario = await parseScenario(`
name: real-blip
duration: 20s
replicas: 2
traffic: { rps: 5, timeout: 2s }
cluster: { propagationDelay: 1s }
dependencies: { redis: {} }
pod:
  # NOTE: the startup probe gates liveness until the process answers: on a loaded machine Node can take
  # more than the 3 s liveness budget to start listening, which used to kill the replicas (a flaky test).
  startupProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 30 }
  livenessProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 3 }
  readinessProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 1 }
faults:
  - { dependency: redis, kind: down, at: 7s, for: 6s }
`, 'real.yaml');
  const lines: string[] = [];
  const result = await runReal(scenario, {
    command: process.execPath,
    args: [service],
    dependencies: { redis: SERVICES.redis },
    log: (line) => lines.push(line),
  });
  const why = lines.join('\n');
  assert.deepEqual(result.pods.map((p) => p.restarts), [0, 0], why);
  assert.deepEqual(result.pods.map((p) => p.probeFailures.liveness), [0, 0], why);
  for (const pod of result.pods) {
    // Generous bounds: the machine is shared. In by 6 s, out during the fault, back in by 19 s.
    const inSegments = pod.loadBalancer.filter((s) => s.value === 'in');
    assert.ok(inSegments.length >= 2, `${pod.name} joined, left and joined again: ${JSON.stringify(pod.loadBalancer)}\n${why}`);
    assert.ok(inSegments[0]!.from < 6000, `${pod.name} first joined at ${inSegments[0]!.from}`);
    const out = pod.loadBalancer.find((s) => s.value === 'out' && s.from > inSegments[0]!.from);
    assert.ok(out && out.from >= 7000 && out.from < 11_000, `${pod.name} left at ${out?.from}`);
    assert.ok(inSegments.at(-1)!.from >= 13_000 && inSegments.at(-1)!.from < 19_000, `${pod.name} back at ${inSegments.at(-1)!.from}`);
    assert.ok(pod.failures.some((f) => f.kind === 'readiness' && f.detail.startsWith('503 [-]redis failed')), JSON.stringify(pod.failures));
  }
  assert.ok(result.summary.requestsServed > 40, `served ${result.summary.requestsServed}`);
  assert.ok(result.traffic.byCause['no-endpoints'] > 0, 'while both were out, requests found no endpoint');
});

/** Pids of live processes whose environment holds `tag` (Linux /proc). */
async function processesTagged(tag: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/environ`, 'latin1')).includes(tag)) found.push(Number(entry));
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

const shortRun = `
name: wrapped
duration: 12s
replicas: 2
traffic: { rps: 5, timeout: 2s }
dependencies: { redis: {} }
pod:
  startupProbe: { periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 30 }
  readinessProbe: { periodSeconds: 1, timeoutSeconds: 1 }
faults:
  - { app: stall, pods: [0], at: 3s, for: 4s }
`;

test('real mode: a replica started through `sh -c` is signalled as a process group: the stall stops the real server, and nothing is left after the run', { skip: await skipUnless('redis'), timeout: 90_000 }, async () => {
  const tag = `LAB_TEST_TAG=${process.pid}-${Date.now()}`;
  const scenario = await parseScenario(shortRun, 'wrapped.yaml');
  // `; true` keeps sh from exec-ing node: the server is sh's child, as with npx or npm run.
  const result = await runReal(scenario, {
    command: '/bin/sh',
    args: ['-c', `"${process.execPath}" "${service}"; true`],
    dependencies: { redis: SERVICES.redis },
    env: { LAB_TEST_TAG: tag.split('=')[1]! },
  });
  // pod-0's group was stopped for 4 s: its readiness probes timed out (the server itself was stopped, not only sh).
  assert.ok(result.pods[0]!.failures.some((f) => f.kind === 'readiness' && f.at >= 3000 && f.detail.startsWith('timeout')), JSON.stringify(result.pods[0]!.failures));
  // …and SIGCONT at 7 s resumed it: pod-0 went unready during the stall and was Ready again before the end,
  // with no restart (the scenario has no liveness probe). Without SIGCONT it stays unready to the end.
  const ready = result.pods[0]!.ready;
  const dropped = ready.findIndex((s) => s.value === 'unready' && s.from >= 3000);
  assert.ok(dropped >= 0, `pod-0 went unready during the stall: ${JSON.stringify(ready)}`);
  assert.ok(ready.slice(dropped).some((s) => s.value === 'ready' && s.from >= 7000), `pod-0 was Ready again after the stall: ${JSON.stringify(ready)}`);
  assert.equal(result.pods[0]!.restarts, 0);
  assert.ok(result.summary.requestsServed > 0);
  assert.deepEqual(await processesTagged(tag), [], 'no replica process (sh or node) outlives the run');
});

test('real mode: ^C during `probekit-cli lab run` stops every replica and exits 130', { skip: await skipUnless('redis'), timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'probekit-lab-int-'));
  const file = join(dir, 'long.yaml');
  await writeFile(file, shortRun.replace('duration: 12s', 'duration: 60s').replace(/faults:[\s\S]*$/, ''));
  const tag = `LAB_TEST_TAG=${process.pid}-${Date.now()}-int`;
  const bin = fileURLToPath(new URL('../../../bin/probekit-cli.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'lab', 'run', file, '--dependency', `redis=${SERVICES.redis.host}:${SERVICES.redis.port}`, '--', '/bin/sh', '-c', `"${process.execPath}" "${service}"; true`], {
    env: { ...process.env, LAB_TEST_TAG: tag.split('=')[1]! },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    // Wait until both replicas run (their processes carry the tag), then interrupt.
    const deadline = Date.now() + 30_000;
    while ((await processesTagged(tag)).length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok((await processesTagged(tag)).length >= 5, `the CLI and 2 × (sh + node) run: ${stderr}`);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted by SIGINT; every replica was stopped/);
    assert.deepEqual(await processesTagged(tag), [], 'nothing is left running');
  } finally {
    child.kill('SIGKILL');
    for (const pid of await processesTagged(tag)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});
