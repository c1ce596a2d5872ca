import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeKind } from 'probekit/internal';
import { parseScenario } from '../scenario/load-scenario.js';
import { simulate } from '../simulate.js';
import { Pod, type KubeletSettings, type PodProcess, type PodSpec, type ProcessFactory } from './pod.js';
import { resolveProbeSpec, type ResolvedProbeSpec } from './probe-spec.js';
import { DEFAULT_RELEASE } from './release.js';
import { seededRandom } from './rng.js';
import { LabScheduler } from './scheduler.js';

const base = (extra: string): string => `
name: t
duration: 2m
replicas: 1
traffic: { rps: 0 }
kubelet: { justStarted: false }
${extra}
`;

test('a kill runs preStop, then SIGTERM, then SIGKILL when the grace period is over, at least 2 s after preStop (kuberuntime_container.go@v1.34 killContainer)', async () => {
  // The app needs 60 s to exit after SIGTERM; grace 10 s with a 9 s preStop leaves the 2 s minimum.
  const s = await parseScenario(base(`
pod:
  terminationGracePeriodSeconds: 10
  preStop: 9s
  livenessProbe: { periodSeconds: 1, failureThreshold: 1 }
app:
  boot: 0s
  heartbeats: [{ name: jobs, timeout: 5s, every: 1s }]
  shutdown: { drainDelay: 60s }
faults:
  - { app: wedge, at: 10s }
`), 't.yaml');
  const r = await simulate(s);
  const events = r.pods[0]!.events.filter((e) => e.at < 40_000).map((e) => `${e.at / 1000}:${e.type}`);
  // Wedged at 10 s (last beat 9 s), heartbeat stale at 14 s, that probe fails: preStop 9 s, SIGTERM 23 s, SIGKILL 25 s.
  assert.deepEqual(events, ['0:started', '10:wedge', '14:kill', '23:sigterm', '25:sigkill', '25:exited', '25:started']);
  assert.equal(r.pods[0]!.restarts, 1);
});

test('a probe-level terminationGracePeriodSeconds overrides the pod\'s for a liveness kill (KEP-2238)', async () => {
  const s = await parseScenario(base(`
pod:
  terminationGracePeriodSeconds: 60
  livenessProbe: { periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 3 }
app:
  heartbeats: [{ name: jobs, timeout: 5s, every: 1s }]
  shutdown: { drainDelay: 60s }
faults:
  - { app: wedge, at: 10s }
`), 't.yaml');
  const r = await simulate(s);
  const events = r.pods[0]!.events.filter((e) => e.at < 30_000).map((e) => `${e.at / 1000}:${e.type}`);
  assert.deepEqual(events, ['0:started', '10:wedge', '14:kill', '14:sigterm', '17:sigkill', '17:exited', '17:started']);
});

test('an event-loop stall fails probes served on the main loop by timeout, and liveness on the worker thread only past maxBlockMs', async () => {
  const scenario = (probeServer: string): string => base(`
pod:
  livenessProbe: { periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 }
app:
  probeServer: ${probeServer}
  maxBlockMs: 5000
faults:
  - { app: stall, at: 30s, for: 4s }
`);
  const main = await simulate(await parseScenario(scenario('main'), 't.yaml'));
  const worker = await simulate(await parseScenario(scenario('worker'), 't.yaml'));
  // A 4 s stall: on the main loop probes at 30 s, 31 s, 32 s time out (3 in a row) → restart.
  assert.deepEqual(main.pods[0]!.failures.map((f) => `${f.at / 1000}:${f.detail}`), ['30:timeout after 1000 ms', '31:timeout after 1000 ms', '32:timeout after 1000 ms']);
  assert.equal(main.pods[0]!.restarts, 1);
  // The worker thread answers at once and the loop was blocked less than maxBlockMs: no failure.
  assert.deepEqual(worker.pods[0]!.failures, []);
  assert.equal(worker.pods[0]!.restarts, 0);
});

test('on the worker thread a stall longer than maxBlockMs fails liveness with the engine\'s eventloop line', async () => {
  const r = await simulate(await parseScenario(base(`
pod:
  livenessProbe: { periodSeconds: 1, failureThreshold: 3 }
app:
  maxBlockMs: 5000
faults:
  - { app: stall, at: 30s, for: 20s }
`), 't.yaml'));
  const failures = r.pods[0]!.failures.map((f) => `${f.at / 1000}:${f.detail}`);
  assert.deepEqual(failures, ['36:503 eventloop: event loop blocked for 6 s', '37:503 eventloop: event loop blocked for 7 s', '38:503 eventloop: event loop blocked for 8 s']);
  assert.equal(r.pods[0]!.restarts, 1);
});

test('engine timers wait while the loop is stalled: a readiness check due during a 10 s stall runs when it ends', async () => {
  const r = await simulate(await parseScenario(base(`
dependencies: { redis: {} }
pod:
  readinessProbe: { periodSeconds: 1, failureThreshold: 1 }
app:
  maxLagMs: 0
  checks: [{ name: redis, probes: [readiness], uses: redis, intervalMs: 5000 }]
faults:
  - { dependency: redis, kind: down, at: 31s, for: 1m }
  - { app: stall, at: 30s, for: 10s }
`), 't.yaml'));
  // Redis fails from 31 s, but the check due at 35 s runs only at 40 s: readiness fails at the 41 s probe.
  assert.equal(r.pods[0]!.failures[0]?.at, 41_000);
  assert.match(r.pods[0]!.failures[0]!.detail, /^503 redis: /);
});

test('a pod that is ready at once is Ready about 1 s after its start, not one period later: the status update triggers readiness (prober_manager.go@v1.34 UpdatePodStatus)', async () => {
  const s = await parseScenario(base(`
pod:
  readinessProbe: { periodSeconds: 10 }
`), 't.yaml');
  const r = await simulate(s);
  // The worker's first tick at 0 s comes before the container runs; its next tick would be 10 s. The PLEG
  // relist at 1 s sees the container, the status update triggers a probe: Ready at 1 s, in the load balancer
  // at 3 s (2 s propagation), probes every 10 s from 1 s.
  assert.deepEqual(r.pods[0]!.ready.map((seg) => `${seg.value}@${seg.from / 1000}`), ['unready@0', 'ready@1']);
  assert.deepEqual(r.pods[0]!.loadBalancer.map((seg) => `${seg.value}@${seg.from / 1000}`), ['out@0', 'in@3']);
  assert.equal(r.pods[0]!.probeRuns.readiness, 12, 'at 1, 11, 21 … 111 s');
});

test('the preStop hook\'s time comes off the grace period in whole seconds (kuberuntime_container.go@v1.34 executePreStopHook)', async () => {
  // Grace 10 s, a 4.5 s preStop: 4 s come off, so SIGKILL 6 s after SIGTERM (at 4.5 + 6 = 10.5 s after the kill).
  const s = await parseScenario(base(`
pod:
  terminationGracePeriodSeconds: 10
  preStop: 4500ms
  livenessProbe: { periodSeconds: 1, failureThreshold: 1 }
app:
  heartbeats: [{ name: jobs, timeout: 5s, every: 1s }]
  shutdown: { drainDelay: 60s }
faults:
  - { app: wedge, at: 10s }
`), 't.yaml');
  const r = await simulate(s);
  const events = r.pods[0]!.events.filter((e) => e.at < 30_000).map((e) => `${e.at / 1000}:${e.type}`);
  assert.deepEqual(events, ['0:started', '10:wedge', '14:kill', '18.5:sigterm', '24.5:sigkill', '24.5:exited', '24.5:started']);
});

/** What the scripted processes of a rig do; `n` is the container's number (1 for the first), `ms` its age. */
interface Script {
  /** A probe's answer: pass or fail at once, or a number: hang that long (a failure by timeout when it reaches it). */
  readonly probe?: (kind: ProbeKind, n: number, ms: number) => boolean | number;
  /** The process exits by itself at this age. */
  readonly crashAt?: (n: number) => number | undefined;
  /** The process exits this long after SIGTERM; undefined: only SIGKILL ends it. */
  readonly exitAfterSigtermMs?: number;
  /** The process supports `abandon` (the simulated app does). */
  readonly abandon?: boolean;
  /** After exiting by itself, the process reports the exit again 0.5 s later. */
  readonly reportsExitTwice?: boolean;
}

/**
 * One Pod on a virtual clock with scripted processes; records the calls each process got (`at:n:call`),
 * the probes that reached a process (`kind@at`), and when the endpoints controller was told to look again.
 */
function podRig(options: {
  probes?: Partial<Record<ProbeKind, Record<string, unknown>>>;
  graceMs?: number;
  preStopMs?: number;
  containerStartMs?: number;
  kubelet?: KubeletSettings | 'default';
  script?: Script;
}) {
  const scheduler = new LabScheduler();
  const script = options.script ?? {};
  const probes: Partial<Record<ProbeKind, ResolvedProbeSpec>> = {};
  for (const [kind, p] of Object.entries(options.probes ?? {}) as Array<[ProbeKind, Record<string, unknown>]>) probes[kind] = resolveProbeSpec(kind, p);
  const spec = { probes, terminationGracePeriodMs: options.graceMs ?? 30_000, preStopMs: options.preStopMs ?? 0, containerStartMs: options.containerStartMs ?? 0, app: {} } as unknown as PodSpec;
  const calls: string[] = [];
  const probed: string[] = [];
  const changed: number[] = [];
  let started = 0;
  const factory: ProcessFactory = (_pod, hooks) => {
    const n = ++started;
    const startedAt = scheduler.now;
    const note = (call: string): void => void calls.push(`${scheduler.now / 1000}:${n}:${call}`);
    const exit = (): void => {
      if (process.exited) return;
      process.exited = true;
      hooks.exited();
    };
    const process: PodProcess & { exited: boolean } = {
      exited: false,
      probe: (kind, timeoutMs) => {
        probed.push(`${kind}@${scheduler.now / 1000}`);
        const answer = script.probe?.(kind, n, scheduler.now - startedAt) ?? true;
        if (typeof answer === 'number') return { ok: false, durationMs: Math.min(answer, timeoutMs), detail: `timeout after ${timeoutMs} ms` };
        return { ok: answer, durationMs: 0, detail: answer ? '200' : '503' };
      },
      serve: () => {
        note('serve');
        return 'served';
      },
      sigterm: () => {
        note('sigterm');
        if (script.exitAfterSigtermMs !== undefined) scheduler.after(script.exitAfterSigtermMs, exit);
      },
      kill: () => {
        note('kill');
        process.exited = true;
      },
      stall: (ms) => note(`stall ${ms}`),
      wedge: () => note('wedge'),
      ...(script.abandon ? { abandon: () => note('abandon') } : {}),
    };
    const crashAt = script.crashAt?.(n);
    if (crashAt !== undefined) scheduler.after(crashAt, exit);
    if (crashAt !== undefined && script.reportsExitTwice) scheduler.after(crashAt + 500, () => hooks.exited());
    return process;
  };
  const hooks = { changed: () => void changed.push(scheduler.now) };
  const pod =
    options.kubelet === 'default'
      ? new Pod('pod-0', spec, scheduler, factory, hooks)
      : new Pod('pod-0', spec, scheduler, factory, hooks, options.kubelet ?? { release: '1.35', random: seededRandom(1) });
  return {
    scheduler,
    pod,
    calls,
    probed,
    changed,
    started: () => started,
    events: () => pod.events.map((e) => `${e.at / 1000}:${e.type}:${e.detail}`),
    states: () => pod.state.segments.map((seg) => `${seg.value}@${seg.from / 1000}`),
    readiness: () => pod.ready.segments.map((seg) => `${seg.value}@${seg.from / 1000}`),
  };
}

test('a pod without probes is Ready as soon as its container runs, and requests reach its process', async () => {
  const r = podRig({});
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(5000);
  assert.deepEqual(r.events(), ['0:started:container started']);
  assert.deepEqual(r.readiness(), ['ready@0']);
  assert.deepEqual([r.pod.isReady, r.pod.containerState, r.changed], [true, 'running', [0]]);
  assert.equal(r.pod.serve(), 'served');
  assert.deepEqual(r.calls, ['5:1:serve']);
});

test('without a readiness probe the status-update trigger reaches no worker: liveness keeps its own period (prober_manager.go@v1.34 UpdatePodStatus triggers the readiness worker only)', async () => {
  const r = podRig({ probes: { liveness: { periodSeconds: 10 } } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(35_000);
  // The first tick at 0 s comes before the container exists; the relist at 1 s triggers nothing.
  assert.deepEqual(r.probed, ['liveness@10', 'liveness@20', 'liveness@30']);
});

test('with a startup probe and no readiness probe the pod is Ready when startup succeeds, not when the container runs (prober_manager.go@v1.34 UpdatePodStatus: started, no readiness worker → ready)', async () => {
  const r = podRig({ probes: { startup: { periodSeconds: 1, failureThreshold: 30 } }, script: { probe: (_kind, _n, ms) => ms >= 3000 } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(10_000);
  assert.deepEqual(r.probed, ['startup@1', 'startup@2', 'startup@3']);
  assert.deepEqual(r.readiness(), ['unready@0', 'ready@3']);
  assert.deepEqual(r.changed, [3000]);
});

test('a pod deleted while its container is being created is removed at once: no container starts, no fault or request reaches one, the endpoints controller hears it once for the deletion and once for the removal', async () => {
  const r = podRig({ probes: { readiness: { periodSeconds: 1 } }, containerStartMs: 5000 });
  r.pod.start(false, () => 0);
  r.pod.addAppFault({ atMs: 1500, forMs: 3000, kind: 'stall' });
  await r.scheduler.runUntil(1000);
  assert.equal(r.pod.containerState, 'creating');
  assert.equal(r.pod.serve(), 'refused');
  await r.scheduler.runUntil(2000);
  r.pod.delete();
  await r.scheduler.runUntil(10_000);
  assert.equal(r.started(), 0);
  assert.deepEqual([r.pod.deletedAt, r.pod.removedAt, r.pod.containerState, r.pod.isReady], [2000, 2000, 'gone', false]);
  assert.deepEqual(r.states(), ['creating@0', 'gone@2']);
  assert.deepEqual(r.readiness(), ['unready@0']);
  assert.deepEqual(r.events(), ['2:deleted:pod deleted']);
  assert.deepEqual(r.changed, [2000, 2000]);
  assert.deepEqual([r.calls, r.probed], [[], []]);
});

test('a pod deleted before its workers start ends them at their first tick: nothing keeps running for a removed pod', async () => {
  const r = podRig({ probes: { liveness: { periodSeconds: 10 } } });
  r.pod.delete();
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(60_000);
  assert.deepEqual([r.pod.removedAt, r.started(), r.probed], [0, 0, []]);
  assert.equal(r.scheduler.events, 2, "the liveness worker's first tick, which ends it, and the container start that finds the pod gone");
});

test('a liveness kill: preStop, SIGTERM, the process exits, the replacement starts in the same sync; faults and kills are described on the timeline (kuberuntime_manager.go@v1.34 SyncPod)', async () => {
  const r = podRig({
    probes: { liveness: { periodSeconds: 1, failureThreshold: 1 } },
    preStopMs: 2000,
    script: { probe: (_kind, n, ms) => n > 1 || ms < 10_000, exitAfterSigtermMs: 1500 },
  });
  r.pod.start(false, () => 0);
  r.pod.addAppFault({ atMs: 4000, forMs: 2500, kind: 'stall' });
  r.pod.addAppFault({ atMs: 6000, forMs: 0, kind: 'wedge' });
  await r.scheduler.runUntil(45_000);
  // Grace 30 s, preStop 2 s: SIGTERM at 12 s, the SIGKILL due at 40 s finds the container gone.
  assert.deepEqual(r.events(), [
    '0:started:container started',
    '4:stall:event loop blocked for 2.5 s',
    '6:wedge:background job wedged',
    '10:kill:liveness probe failed: killing (grace 30 s)',
    '12:sigterm:SIGTERM',
    '13.5:exited:exited after SIGTERM',
    '13.5:started:container restarted (restart 1)',
  ]);
  assert.deepEqual(r.calls, ['4:1:stall 2500', '6:1:wedge', '12:1:sigterm', '13.5:1:kill']);
  assert.deepEqual(r.states(), ['running@0', 'terminating@10', 'running@13.5']);
  assert.deepEqual([r.pod.restarts, r.pod.currentBackoffMs], [1, undefined], 'no exited container in the status the kill decided on: no back-off entry');
});

test('a startup probe that reaches its failureThreshold kills the container with the probe\'s own grace period and starts a new one (kuberuntime_manager.go@v1.34 computePodActions: failed startup probe → restart; KEP-2238)', async () => {
  const r = podRig({
    probes: { startup: { periodSeconds: 1, failureThreshold: 3, terminationGracePeriodSeconds: 5 } },
    script: { probe: (_kind, n) => n > 1 },
  });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(12_000);
  assert.deepEqual(r.events(), [
    '0:started:container started',
    '3:kill:startup probe failed: killing (grace 5 s)',
    '3:sigterm:SIGTERM',
    '8:sigkill:SIGKILL after the grace period',
    '8:exited:killed',
    '8:started:container restarted (restart 1)',
  ]);
  // The new container's startup probe passes at the worker's next tick: Ready then (no readiness probe).
  assert.deepEqual(r.readiness(), ['unready@0', 'ready@9']);
});

test('a liveness failure that arrives after its container was replaced does not kill the new one: results are per container ID (kuberuntime_manager.go@v1.34 computePodActions reads livenessManager.Get(containerStatus.ID))', async () => {
  // Container 1's liveness probe at 10 s hangs to its 5 s timeout; the container crashes at 11 s and its
  // replacement starts at the 12 s relist. The failure comes at 15 s, for container 1.
  const r = podRig({
    probes: { liveness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 1 } },
    script: { probe: (_kind, n) => (n === 1 ? 5000 : true), crashAt: (n) => (n === 1 ? 11_000 : undefined) },
  });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(30_000);
  assert.deepEqual(r.events(), ['0:started:container started', '11:exited:exited after SIGTERM', '12:started:container restarted (restart 1)']);
  assert.deepEqual(r.pod.failures.map((f) => `${f.kind}@${f.at / 1000}:${f.detail}`), ['liveness@10:timeout after 5000 ms']);
  assert.deepEqual(r.probed, ['liveness@10', 'liveness@20', 'liveness@30']);
});

test('a deleted pod: one deletion however often it is asked, Ready kept while it terminates, and a process that dies during preStop gets no SIGTERM (kuberuntime_container.go@v1.34 killContainer)', async () => {
  const r = podRig({ probes: { readiness: { periodSeconds: 1 } }, preStopMs: 5000, script: { crashAt: () => 12_000 } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(10_000);
  r.pod.delete();
  await r.scheduler.runUntil(11_000);
  r.pod.delete();
  await r.scheduler.runUntil(60_000);
  assert.deepEqual(r.events(), ['0:started:container started', '10:deleted:pod deleted', '10:kill:pod deleted: killing (grace 30 s)', '12:exited:exited after SIGTERM']);
  assert.deepEqual(r.calls, ['12:1:kill']);
  assert.deepEqual([r.pod.deletedAt, r.pod.removedAt, r.pod.containerState], [10_000, 12_000, 'gone']);
  assert.deepEqual(r.readiness(), ['unready@0', 'ready@1', 'unready@12']);
  assert.deepEqual(r.changed, [1000, 10_000, 12_000, 12_000]);
  assert.equal(r.pod.probeRuns.readiness, 11, 'readiness probed at 1 … 11 s, also while terminating');
});

test('CrashLoopBackOff: the pod reports its back-off and refuses requests; deleting it then removes it at once and nothing restarts (kuberuntime_manager.go@v1.34 doBackOff)', async () => {
  // Crashes 5 s after each start: exit 5 s, relist 6 s → start; exit 11 s, relist 12 s → back-off 10 s until 21 s.
  const r = podRig({ script: { crashAt: () => 5000 } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(3000);
  assert.equal(r.pod.currentBackoffMs, undefined);
  await r.scheduler.runUntil(15_000);
  assert.deepEqual([r.pod.containerState, r.pod.currentBackoffMs, r.pod.serve()], ['backoff', 10_000, 'refused']);
  r.pod.delete();
  await r.scheduler.runUntil(60_000);
  assert.deepEqual(r.events(), [
    '0:started:container started',
    '5:exited:exited after SIGTERM',
    '6:started:container restarted (restart 1)',
    '11:exited:exited after SIGTERM',
    '12:backoff:CrashLoopBackOff: back-off 10 s',
    '15:deleted:pod deleted',
  ]);
  assert.deepEqual(r.states(), ['running@0', 'creating@5', 'running@6', 'creating@11', 'backoff@12', 'gone@15']);
  assert.deepEqual([r.pod.removedAt, r.started()], [15_000, 2]);
  assert.deepEqual(r.calls, ['5:1:kill', '11:2:kill']);
});

test('a process that reports its exit twice (a real child process can) is one exit: one event, one restart', async () => {
  const r = podRig({ script: { crashAt: (n) => (n === 1 ? 5000 : undefined), reportsExitTwice: true } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(30_000);
  assert.deepEqual(r.events(), ['0:started:container started', '5:exited:exited after SIGTERM', '6:started:container restarted (restart 1)']);
  assert.deepEqual([r.pod.restarts, r.started()], [1, 2]);
});

test('shutdownNow before any container: nothing starts afterwards', async () => {
  const r = podRig({ probes: { liveness: { periodSeconds: 1 } }, containerStartMs: 5000 });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(1000);
  r.pod.shutdownNow();
  await r.scheduler.runUntil(20_000);
  assert.deepEqual([r.started(), r.events(), r.calls, r.probed], [0, [], [], []]);
});

test('shutdownNow abandons the process when it can (nothing outside virtual time runs), stops the probes, and a later exit of the process restarts nothing', async () => {
  const r = podRig({ probes: { liveness: { periodSeconds: 1 } }, script: { abandon: true, crashAt: () => 8000 } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(5500);
  r.pod.shutdownNow();
  await r.scheduler.runUntil(20_000);
  assert.deepEqual(r.calls, ['5.5:1:abandon']);
  assert.deepEqual(r.probed, ['liveness@1', 'liveness@2', 'liveness@3', 'liveness@4', 'liveness@5']);
  assert.deepEqual([r.events(), r.started(), r.pod.containerState], [['0:started:container started'], 1, 'running']);
});

test('shutdownNow kills a process that cannot be abandoned', async () => {
  const r = podRig({});
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(2000);
  r.pod.shutdownNow();
  assert.deepEqual(r.calls, ['2:1:kill']);
});

test('shutdownNow during CrashLoopBackOff: the pending requeue does nothing, the pod stays in back-off', async () => {
  const r = podRig({ script: { crashAt: () => 5000 } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(15_000);
  r.pod.shutdownNow();
  await r.scheduler.runUntil(60_000);
  assert.deepEqual(r.states(), ['running@0', 'creating@5', 'running@6', 'creating@11', 'backoff@12']);
  assert.deepEqual([r.started(), r.pod.currentBackoffMs], [2, 10_000]);
});

test('a pod built without kubelet settings plays the default release with seed 1: 1.34 (pod_workers.go completeWork requeues a back-off after 10–15 s)', async () => {
  assert.equal(DEFAULT_RELEASE, '1.34');
  const starts = async (kubelet: KubeletSettings | 'default'): Promise<string[]> => {
    const r = podRig({ kubelet, script: { crashAt: () => 5000 } });
    r.pod.start(false, () => 0);
    await r.scheduler.runUntil(120_000);
    return r.events().filter((e) => e.includes(':started:'));
  };
  const byDefault = await starts('default');
  assert.deepEqual(byDefault, await starts({ release: '1.34', random: seededRandom(1) }));
  assert.notDeepEqual(byDefault, await starts({ release: '1.35', random: seededRandom(1) }));
});

test('the first status update triggers no readiness probe when readiness already passed: the worker keeps its period (prober_manager.go@v1.34 UpdatePodStatus: a Success result is ready, nothing is triggered)', async () => {
  // The kubelet just started: the readiness worker's first tick waits 0.05 × 10 s = 0.5 s, the container runs
  // from 0 s, so readiness passes at 0.5 s, before the 1 s relist.
  const r = podRig({ probes: { readiness: { periodSeconds: 10 } } });
  r.pod.start(true, () => 0.05);
  await r.scheduler.runUntil(25_000);
  assert.deepEqual(r.probed, ['readiness@0.5', 'readiness@10.5', 'readiness@20.5']);
  assert.deepEqual(r.readiness(), ['unready@0', 'ready@0.5']);
});

test('a container already being killed at its first relist gets no readiness trigger: the pod worker is busy terminating it (kubelet.go@v1.34 SyncTerminatingPod: killPod holds the worker for the grace period)', async () => {
  // The container runs from 0.5 s, the pod is deleted at 0.7 s; the process takes 20 s to exit after SIGTERM.
  // Readiness keeps probing the terminating pod on its own period: 10 s and 20 s, not 1 s and 11 s.
  const r = podRig({ probes: { readiness: { periodSeconds: 10 } }, containerStartMs: 500, script: { exitAfterSigtermMs: 20_000 } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(700);
  r.pod.delete();
  await r.scheduler.runUntil(30_000);
  assert.deepEqual(r.probed, ['readiness@10', 'readiness@20']);
  assert.deepEqual(r.events(), ['0.5:started:container started', '0.7:deleted:pod deleted', '0.7:kill:pod deleted: killing (grace 30 s)', '0.7:sigterm:SIGTERM', '20.7:exited:exited after SIGTERM']);
  assert.deepEqual(r.readiness(), ['unready@0', 'ready@10', 'unready@20.7']);
});

test('liveness stops probing once the pod is deleted; readiness goes on (worker.go@v1.34 doProbe: DeletionTimestamp set, liveness and startup report success and stop)', async () => {
  // Liveness would fail from 12 s on: a deleted pod must not be killed for it. The process exits 20 s after SIGTERM.
  const r = podRig({
    probes: { liveness: { periodSeconds: 1, failureThreshold: 1 }, readiness: { periodSeconds: 5 } },
    script: { probe: (kind, _n, ms) => kind !== 'liveness' || ms < 12_000, exitAfterSigtermMs: 20_000 },
  });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(10_500);
  r.pod.delete();
  await r.scheduler.runUntil(40_000);
  assert.deepEqual(r.probed.filter((p) => p.startsWith('liveness')), ['liveness@1', 'liveness@2', 'liveness@3', 'liveness@4', 'liveness@5', 'liveness@6', 'liveness@7', 'liveness@8', 'liveness@9', 'liveness@10']);
  assert.deepEqual(r.probed.filter((p) => p.startsWith('readiness')), ['readiness@1', 'readiness@6', 'readiness@11', 'readiness@16', 'readiness@21', 'readiness@26']);
  assert.deepEqual(r.events(), ['0:started:container started', '10.5:deleted:pod deleted', '10.5:kill:pod deleted: killing (grace 30 s)', '10.5:sigterm:SIGTERM', '30.5:exited:exited after SIGTERM']);
});

test('a pod deleted while a liveness kill is under way is not killed again: the kill in progress runs to its end, then the pod is removed', async () => {
  // Liveness fails at 10 s; the process ignores SIGTERM, so the SIGKILL comes at 40 s (grace 30 s). Deleted at 15 s.
  const r = podRig({ probes: { liveness: { periodSeconds: 1, failureThreshold: 1 } }, script: { probe: (_kind, _n, ms) => ms < 10_000 } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(15_000);
  r.pod.delete();
  await r.scheduler.runUntil(60_000);
  assert.deepEqual(r.events(), [
    '0:started:container started',
    '10:kill:liveness probe failed: killing (grace 30 s)',
    '10:sigterm:SIGTERM',
    '15:deleted:pod deleted',
    '40:sigkill:SIGKILL after the grace period',
    '40:exited:killed',
  ]);
  assert.deepEqual(r.calls.filter((c) => c.endsWith('sigterm')), ['10:1:sigterm'], 'one SIGTERM');
  assert.deepEqual([r.pod.removedAt, r.started()], [40_000, 1]);
});

test('a restart takes containerStartMs like the first start: seen at the next relist, then the runtime needs its time (kuberuntime_manager.go@v1.34 doBackOff: no back-off entry yet)', async () => {
  // Start 2 s, crash 5 s later at 7 s, relist 8 s: the first restart is not held back, the container runs from 10 s.
  const r = podRig({ containerStartMs: 2000, script: { crashAt: (n) => (n === 1 ? 5000 : undefined) } });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(20_000);
  assert.deepEqual(r.events(), ['2:started:container started', '7:exited:exited after SIGTERM', '10:started:container restarted (restart 1)']);
  assert.deepEqual(r.states(), ['creating@0', 'running@2', 'creating@7', 'running@10']);
});

test('with a startup probe, liveness and readiness wait for it; the startup success triggers the first readiness probe at once (worker.go@v1.34 doProbe c.Started; kubelet.go@v1.34 syncLoopIteration → handleProbeSync → prober_manager.go@v1.34 UpdatePodStatus)', async () => {
  // Startup passes at 5 s; readiness (period 10 s) would next tick at 10 s, the trigger probes it at 5 s and restarts its period.
  const r = podRig({
    probes: { startup: { periodSeconds: 1, failureThreshold: 30 }, liveness: { periodSeconds: 1 }, readiness: { periodSeconds: 10 } },
    script: { probe: (kind, _n, ms) => kind !== 'startup' || ms >= 5000 },
  });
  r.pod.start(false, () => 0);
  await r.scheduler.runUntil(16_000);
  const of = (kind: string): string[] => r.probed.filter((p) => p.startsWith(kind)).map((p) => p.slice(kind.length + 1));
  assert.deepEqual(of('startup'), ['1', '2', '3', '4', '5']);
  assert.deepEqual(of('liveness'), ['5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16']);
  assert.deepEqual(of('readiness'), ['5', '15']);
  assert.deepEqual(r.readiness(), ['unready@0', 'ready@5']);
});
