import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeKind } from 'probekit/internal';
import { resolveProbeSpec } from './probe-spec.js';
import { ProbeWorker, type ContainerView, type ProbeOutcome, type ProbeResult } from './probe-worker.js';
import { LabScheduler } from './scheduler.js';

/** A container the test controls, and a record of what the worker did. */
function harness(kind: ProbeKind, spec: Record<string, unknown>, answers: (at: number) => boolean | number = () => true) {
  const scheduler = new LabScheduler();
  const container: { value: ContainerView | undefined } = { value: { id: 1, running: true, startedAt: 0, started: kind === 'startup' ? false : true } };
  let deleting = false;
  let removed = false;
  const probes: number[] = [];
  const published: Array<[number, ProbeResult, number]> = [];
  const worker = new ProbeWorker(kind, resolveProbeSpec(kind, spec), scheduler, {
    container: () => container.value,
    deleting: () => deleting,
    removed: () => removed,
    probe: (_kind, timeoutMs) => {
      probes.push(scheduler.now);
      const a = answers(scheduler.now);
      if (typeof a === 'number') return { ok: a <= timeoutMs, durationMs: Math.min(a, timeoutMs), detail: '' };
      return { ok: a, durationMs: 1, detail: '' };
    },
    ran: () => {},
    publish: (_kind, result, id) => published.push([scheduler.now, result, id]),
  });
  return { scheduler, worker, container, probes, published, setDeleting: () => (deleting = true), setRemoved: () => (removed = true) };
}

test('probe defaults and minimums are the API server\'s (pkg/apis/core/v1/defaults.go@v1.34 SetDefaults_Probe, validation.go@v1.34 validateProbe)', () => {
  assert.deepEqual(resolveProbeSpec('liveness', {}), { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  // A 0 is defaulted by the API server, not rejected; a negative value is rejected.
  assert.deepEqual(resolveProbeSpec('readiness', { periodSeconds: 0, timeoutSeconds: 0, successThreshold: 0, failureThreshold: 0 }), { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  assert.throws(() => resolveProbeSpec('readiness', { periodSeconds: -1 }), { message: 'Expected `readinessProbe.periodSeconds` to be an integer of at least 1, got `-1`' });
  assert.throws(() => resolveProbeSpec('readiness', { timeoutSeconds: -5 }), { message: 'Expected `readinessProbe.timeoutSeconds` to be an integer of at least 1, got `-5`' });
  assert.throws(() => resolveProbeSpec('liveness', { successThreshold: 2 }), { message: 'Expected `livenessProbe.successThreshold` to be 1 (Kubernetes requires it for liveness probes), got `2`' });
  assert.throws(() => resolveProbeSpec('readiness', { terminationGracePeriodSeconds: 5 }), /not allowed on a readiness probe/);
  assert.deepEqual(resolveProbeSpec('readiness', { successThreshold: 2 }).successThreshold, 2);
});

test('initial results: readiness failure, liveness success, startup unknown (pkg/kubelet/prober/worker.go@v1.34 newWorker)', async () => {
  for (const [kind, initial] of [['readiness', 'failure'], ['liveness', 'success'], ['startup', 'unknown']] as const) {
    const h = harness(kind, { periodSeconds: 10 }, () => false);
    h.worker.start(false, 0);
    await h.scheduler.runUntil(0);
    assert.deepEqual(h.published[0], [0, initial, 1], kind);
  }
});

test('the first probe waits a random part of the period only when the kubelet just started (worker.go@v1.34 run)', async () => {
  const fresh = harness('readiness', { periodSeconds: 10 });
  fresh.worker.start(true, 0.25);
  const later = harness('readiness', { periodSeconds: 10 });
  later.worker.start(false, 0.25);
  await Promise.all([fresh.scheduler.runUntil(30_000), later.scheduler.runUntil(30_000)]);
  assert.deepEqual(fresh.probes, [2500, 12_500, 22_500]);
  assert.deepEqual(later.probes, [0, 10_000, 20_000, 30_000]);
});

test('a fixed-rate ticker: a probe slower than the period runs the next one at its end, missed ticks are dropped (worker.go@v1.34 probeTicker)', async () => {
  const h = harness('readiness', { periodSeconds: 1, timeoutSeconds: 3 }, () => 2500);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(8000);
  assert.deepEqual(h.probes, [0, 2500, 5000, 7500]);
});

test('a result is published after failureThreshold equal failures in a row; a success resets the run (worker.go@v1.34 doProbe resultRun)', async () => {
  const answers = [true, false, false, true, false, false, false];
  const h = harness('readiness', { periodSeconds: 1, failureThreshold: 3 }, (at) => answers[at / 1000] ?? true);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(6500);
  assert.deepEqual(h.published.map(([at, r]) => `${at}:${r}`), ['0:failure', '1:success', '3001:success', '6001:failure']);
});

test('readiness needs successThreshold successes in a row (worker.go@v1.34 doProbe)', async () => {
  const h = harness('readiness', { periodSeconds: 1, successThreshold: 3 }, () => true);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(5500);
  // The initial readiness result is a failure; probes at 0, 1000 and 2000 s answer in 1 ms, so the
  // third success in a row is published at 2001 and every later probe publishes it again.
  assert.deepEqual(h.published, [[0, 'failure', 1], [2001, 'success', 1], [3001, 'success', 1], [4001, 'success', 1], [5001, 'success', 1]]);
});

test('liveness and readiness do not run until the startup probe succeeded (worker.go@v1.34 doProbe, c.Started)', async () => {
  const h = harness('liveness', { periodSeconds: 1 }, () => false);
  h.container.value = { id: 1, running: true, startedAt: 0, started: false };
  h.worker.start(false, 0);
  await h.scheduler.runUntil(3000);
  assert.deepEqual(h.probes, []);
  h.container.value = { id: 1, running: true, startedAt: 0, started: true };
  await h.scheduler.runUntil(5000);
  assert.deepEqual(h.probes, [4000, 5000]);
});

test('initialDelaySeconds counts from the container start (worker.go@v1.34 doProbe)', async () => {
  const h = harness('readiness', { periodSeconds: 1, initialDelaySeconds: 3 });
  h.container.value = { id: 1, running: true, startedAt: 1000, started: true };
  h.worker.start(false, 0);
  await h.scheduler.runUntil(6000);
  assert.deepEqual(h.probes, [4000, 5000, 6000]);
});

test('after a published liveness failure the worker holds until the container is replaced (worker.go@v1.34 onHold)', async () => {
  const h = harness('liveness', { periodSeconds: 1, failureThreshold: 2 }, () => false);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(5000);
  assert.deepEqual(h.probes, [0, 1000]);
  assert.deepEqual(h.published, [[0, 'success', 1], [1001, 'failure', 1]]);
  assert.equal(h.worker.onHold, true);
  h.container.value = { id: 2, running: true, startedAt: 5500, started: true };
  await h.scheduler.runUntil(7001);
  assert.deepEqual(h.probes, [0, 1000, 6000, 7000]);
  assert.deepEqual(h.published.slice(2), [[6000, 'success', 2], [7001, 'failure', 2]]);
});

test('a terminating pod stops liveness and startup probing with success; readiness keeps probing (worker.go@v1.34 doProbe DeletionTimestamp)', async () => {
  const live = harness('liveness', { periodSeconds: 1 });
  const ready = harness('readiness', { periodSeconds: 1 });
  for (const h of [live, ready]) {
    h.worker.start(false, 0);
    await h.scheduler.runUntil(1500);
    h.setDeleting();
    await h.scheduler.runUntil(4000);
  }
  assert.deepEqual(live.probes, [0, 1000]);
  assert.equal(live.worker.stopped, true);
  assert.deepEqual(live.published.at(-1), [2000, 'success', 1]);
  assert.deepEqual(ready.probes, [0, 1000, 2000, 3000, 4000]);
});

test('a non-running container is published as failed (worker.go@v1.34 doProbe, State.Running == nil)', async () => {
  const h = harness('readiness', { periodSeconds: 1 });
  h.worker.start(false, 0);
  await h.scheduler.runUntil(1500);
  h.container.value = { id: 1, running: false, startedAt: 0, started: true };
  await h.scheduler.runUntil(2000);
  assert.deepEqual(h.published.at(-1), [2000, 'failure', 1]);
});

// Ported from pkg/kubelet/prober/worker_test.go TestFailureThreshold: SuccessThreshold 1, FailureThreshold 3;
// twice over, 3 successes publish success, the next 2 failures leave it, the 3rd and later publish failure.
test('failure threshold: two failures in a row keep success, the third publishes failure (worker_test.go TestFailureThreshold)', async () => {
  const script = [true, true, true, false, false, false, false, false, true, true, true, false, false, false, false, false];
  const expected = ['success', 'success', 'success', 'success', 'success', 'failure', 'failure', 'failure', 'success', 'success', 'success', 'success', 'success', 'failure', 'failure', 'failure'];
  const h = harness('readiness', { periodSeconds: 1, successThreshold: 1, failureThreshold: 3 }, (at) => script[at / 1000] ?? true);
  h.worker.start(false, 0);
  const seen: string[] = [];
  for (let i = 0; i < script.length; i++) {
    await h.scheduler.runUntil(i * 1000 + 1);
    seen.push(h.published.at(-1)![1]);
  }
  assert.deepEqual(seen, expected);
});

// Ported from worker_test.go TestSuccessThreshold: SuccessThreshold 3, FailureThreshold 1, starting failed;
// twice over, 2 successes keep failure, the 3rd and later publish success, one failure publishes failure.
test('success threshold: readiness needs three successes in a row, one failure undoes it (worker_test.go TestSuccessThreshold)', async () => {
  const script = [true, true, true, true, true, false, true, true, true, true, true, false];
  const expected = ['failure', 'failure', 'success', 'success', 'success', 'failure', 'failure', 'failure', 'success', 'success', 'success', 'failure'];
  const h = harness('readiness', { periodSeconds: 1, successThreshold: 3, failureThreshold: 1 }, (at) => script[at / 1000] ?? true);
  h.worker.start(false, 0);
  const seen: string[] = [];
  for (let i = 0; i < script.length; i++) {
    await h.scheduler.runUntil(i * 1000 + 1);
    seen.push(h.published.at(-1)![1]);
  }
  assert.deepEqual(seen, expected);
});

// Ported from worker_test.go TestOnHoldOnLivenessCheckFailure.
test('on hold after a liveness failure: a passing probe changes nothing until a new container ID (worker_test.go TestOnHoldOnLivenessCheckFailure)', async () => {
  let ok = false;
  const h = harness('liveness', { periodSeconds: 1, successThreshold: 1, failureThreshold: 1 }, () => ok);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(2);
  assert.deepEqual(h.published.at(-1), [1, 'failure', 1], 'first probe');
  assert.equal(h.worker.onHold, true);
  ok = true;
  await h.scheduler.runUntil(1001);
  assert.deepEqual(h.published.at(-1), [1, 'failure', 1], 'while on hold');
  assert.equal(h.worker.onHold, true);
  h.container.value = { id: 2, running: true, startedAt: 1500, started: true };
  await h.scheduler.runUntil(2002);
  assert.deepEqual(h.published.at(-1), [2001, 'success', 2], 'hold lifted');
  assert.equal(h.worker.onHold, false);
});

test('a manual trigger probes at once and restarts the period from then (prober_manager.go@v1.34 UpdatePodStatus, worker.go@v1.34 run probeTicker.Reset)', async () => {
  const h = harness('readiness', { periodSeconds: 10 });
  h.worker.start(false, 0);
  await h.scheduler.runUntil(3000);
  h.worker.trigger();
  await h.scheduler.runUntil(35_000);
  assert.deepEqual(h.probes, [0, 3000, 13_000, 23_000, 33_000]);
});

test('a manual trigger during a slow probe is taken right after it (the trigger channel holds one)', async () => {
  const h = harness('readiness', { periodSeconds: 10, timeoutSeconds: 5 }, () => 4000);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(1000);
  h.worker.trigger();
  await h.scheduler.runUntil(25_000);
  assert.deepEqual(h.probes, [0, 4000, 14_000, 24_000]);
});

test('stop() ends probing: the ticks already queued probe no more (prober_manager.go@v1.34 RemovePod closes the worker\'s stopCh)', async () => {
  const h = harness('liveness', { periodSeconds: 1 });
  h.worker.start(false, 0);
  await h.scheduler.runUntil(2500);
  h.worker.stop();
  assert.equal(h.worker.stopped, true);
  const before = h.scheduler.events;
  h.worker.trigger(); // a status update after the stop
  await h.scheduler.runUntil(6000);
  assert.deepEqual(h.probes, [0, 1000, 2000]);
  assert.equal(h.scheduler.events - before, 1, 'only the tick queued before the stop fires; a trigger after it queues nothing');
});

test('a worker whose pod is gone stops at its next tick without probing (worker.go@v1.34 doProbe: a terminated pod ends the worker)', async () => {
  const h = harness('readiness', { periodSeconds: 1 });
  h.worker.start(false, 0);
  await h.scheduler.runUntil(1500);
  h.setRemoved();
  await h.scheduler.runUntil(5000);
  assert.deepEqual(h.probes, [0, 1000]);
  assert.equal(h.worker.stopped, true);
  assert.deepEqual(h.published.at(-1), [1001, 'success', 1], 'nothing published after the removal');
});

test('a startup worker of a deleted pod publishes success and stops, even before the threshold is reached (worker.go@v1.34 doProbe DeletionTimestamp, probeType == startup)', async () => {
  const h = harness('startup', { periodSeconds: 1, failureThreshold: 3 }, () => false);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(1500);
  h.setDeleting();
  await h.scheduler.runUntil(5000);
  assert.deepEqual(h.probes, [0, 1000]);
  assert.deepEqual(h.published, [[0, 'unknown', 1], [2000, 'success', 1]]);
  assert.equal(h.worker.stopped, true);
});

test('the startup worker stops probing once the container has started (worker.go@v1.34 doProbe: c.Started and probeType == startup)', async () => {
  const h = harness('startup', { periodSeconds: 1 }, () => true);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(500);
  assert.deepEqual(h.published, [[0, 'unknown', 1], [1, 'success', 1]]);
  h.container.value = { id: 1, running: true, startedAt: 0, started: true }; // the status now says Started
  await h.scheduler.runUntil(5000);
  assert.deepEqual(h.probes, [0]);
  assert.equal(h.worker.stopped, false, 'kept for a restarted container');
});

test('after a published startup failure the worker holds until the container is replaced (worker.go@v1.34 doProbe: probeType == startup sets onHold)', async () => {
  const h = harness('startup', { periodSeconds: 1, failureThreshold: 3 }, () => false);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(8000);
  assert.deepEqual(h.probes, [0, 1000, 2000]);
  assert.deepEqual(h.published, [[0, 'unknown', 1], [2001, 'failure', 1]]);
  assert.equal(h.worker.onHold, true);
  h.container.value = { id: 2, running: true, startedAt: 8500, started: false };
  await h.scheduler.runUntil(9500);
  assert.deepEqual(h.probes, [0, 1000, 2000, 9000]);
  assert.equal(h.worker.onHold, false);
});

test('a new worker is not on hold, and stays so while there is no container yet', async () => {
  const h = harness('liveness', { periodSeconds: 1 });
  assert.equal(h.worker.onHold, false);
  h.container.value = undefined;
  h.worker.start(false, 0);
  await h.scheduler.runUntil(3000);
  assert.equal(h.worker.onHold, false);
  assert.deepEqual([h.probes, h.published], [[], []]);
});

test('two manual triggers before the first is taken probe once: the trigger channel holds one (worker.go@v1.34 newWorker manualTriggerCh, prober_manager.go@v1.34 UpdatePodStatus non-blocking send)', async () => {
  const h = harness('readiness', { periodSeconds: 10 });
  h.worker.start(false, 0);
  await h.scheduler.runUntil(3000);
  h.worker.trigger();
  h.worker.trigger();
  await h.scheduler.runUntil(25_000);
  assert.deepEqual(h.probes, [0, 3000, 13_000, 23_000]);
});

test('a probe answered asynchronously (real mode) is recorded when the answer comes, and the next one waits for it', async () => {
  const scheduler = new LabScheduler();
  const answers: Array<(outcome: ProbeOutcome) => void> = [];
  const probes: number[] = [];
  const published: Array<[number, ProbeResult, number]> = [];
  const worker = new ProbeWorker('readiness', resolveProbeSpec('readiness', { periodSeconds: 1, timeoutSeconds: 3 }), scheduler, {
    container: () => ({ id: 1, running: true, startedAt: 0, started: true }),
    deleting: () => false,
    removed: () => false,
    probe: () => {
      probes.push(scheduler.now);
      return new Promise<ProbeOutcome>((resolve) => answers.push(resolve));
    },
    ran: () => {},
    publish: (_kind, result, id) => published.push([scheduler.now, result, id]),
  });
  worker.start(false, 0);
  await scheduler.runUntil(2500);
  assert.deepEqual(probes, [0], 'no probe while the first one awaits its answer');
  assert.deepEqual(published, [[0, 'failure', 1]]);
  answers[0]!({ ok: true, durationMs: 2500, detail: '' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(published.at(-1), [2500, 'success', 1]);
  await scheduler.runUntil(2600);
  assert.deepEqual(probes, [0, 2500], 'the missed ticks at 1 and 2 s are taken once, right after the answer');
  answers[1]!({ ok: false, durationMs: 100, detail: '' });
  await new Promise((resolve) => setImmediate(resolve));
  await scheduler.runUntil(3500);
  assert.deepEqual(probes, [0, 2500, 3000], 'back on the ticker');
  worker.stop();
  const before = scheduler.events;
  answers[2]!({ ok: true, durationMs: 1, detail: '' });
  await new Promise((resolve) => setImmediate(resolve));
  await scheduler.runUntil(10_000);
  assert.deepEqual([probes.length, published.length, scheduler.events - before], [3, 2, 0], 'an answer after stop() records nothing and queues no tick');
});

test('an instant answer is recorded in the probe\'s own event: one scheduler event per probe (the lab\'s cost per probe)', async () => {
  const h = harness('readiness', { periodSeconds: 1 }, () => 0);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(9000);
  assert.deepEqual(h.probes, [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
  assert.equal(h.scheduler.events, 10);
  assert.deepEqual(h.published.slice(0, 2), [[0, 'failure', 1], [0, 'success', 1]]);
});

test('a probe still in flight when the worker stops is not recorded: nothing is published for it', async () => {
  const h = harness('readiness', { periodSeconds: 10, timeoutSeconds: 5 }, () => 500);
  h.worker.start(false, 0);
  await h.scheduler.runUntil(200);
  h.worker.stop();
  await h.scheduler.runUntil(5000);
  assert.deepEqual(h.probes, [0]);
  assert.deepEqual(h.published, [[0, 'failure', 1]], 'the initial result only; the success due at 500 ms is dropped');
});
