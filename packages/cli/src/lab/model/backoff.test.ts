import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeKind } from 'probekit/internal';
import { doBackOff, FlowcontrolBackoff, kubeletHasExpired } from './backoff.js';
import { Pod, type PodProcess, type PodSpec, type ProcessFactory } from './pod.js';
import { resolveProbeSpec } from './probe-spec.js';
import type { KubernetesRelease } from './release.js';
import { seededRandom } from './rng.js';
import { LabScheduler } from './scheduler.js';

/** A clock the test moves, as client-go's testingclock.FakeClock. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, step: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

const STEP = 1000;

// Ported from staging/src/k8s.io/client-go/util/flowcontrol/backoff_test.go@v1.34 TestSlowBackoff.
test('flowcontrol Backoff: Get before each Next gives 0, 1, 2, 4 … capped at the max (backoff_test.go TestSlowBackoff)', () => {
  const clock = fakeClock();
  const b = new FlowcontrolBackoff(clock.now, { initialMs: STEP, maxMs: 50 * STEP });
  const cases = [0, 1, 2, 4, 8, 16, 32, 50, 50, 50];
  const got: number[] = [];
  for (const _ of cases) {
    clock.step(STEP);
    got.push(b.get() / STEP);
    b.next(clock.now());
  }
  assert.deepEqual(got, cases);
  b.next(clock.now());
  b.reset();
  assert.equal(b.get(), 0, 'Reset clears the back-off');
});

// Ported from backoff_test.go TestBackoffReset.
test('flowcontrol Backoff: an entry older than 2 × max is no longer in back-off (backoff_test.go TestBackoffReset)', () => {
  const clock = fakeClock();
  const max = 5 * STEP;
  const b = new FlowcontrolBackoff(clock.now, { initialMs: STEP, maxMs: max });
  for (let i = 0; i <= max / STEP; i++) {
    clock.step(STEP);
    b.next(clock.now());
  }
  assert.equal(b.isInBackOffSince(clock.now()), true, `expected to be in back-off, got ${b.get()}`);
  const lastUpdate = clock.now();
  clock.step(2 * max + STEP);
  assert.equal(b.isInBackOffSince(lastUpdate), false);
});

// Ported from backoff_test.go TestBackoffHighWaterMark.
test('flowcontrol Backoff: within 2 × max the back-off stays at its high-water mark (backoff_test.go TestBackoffHighWaterMark)', () => {
  const clock = fakeClock();
  const max = 5 * STEP;
  const b = new FlowcontrolBackoff(clock.now, { initialMs: STEP, maxMs: max });
  for (let i = 0; i <= max / STEP; i++) {
    clock.step(STEP);
    b.next(clock.now());
  }
  clock.step(max + STEP);
  b.next(clock.now());
  assert.equal(b.get(), max);
});

// Ported from backoff_test.go TestIsInBackOffSinceUpdate: the same table of ticks, results and values.
test('flowcontrol Backoff: IsInBackOffSinceUpdate over 57 s (backoff_test.go TestIsInBackOffSinceUpdate)', () => {
  const clock = fakeClock();
  const start = clock.now();
  const b = new FlowcontrolBackoff(clock.now, { initialMs: STEP, maxMs: 10 * STEP });
  const cases: Array<[tick: number, inBackOff: boolean, value: number]> = [
    [0, false, 0], [1, false, 1], [2, true, 2], [3, false, 2], [4, true, 4], [5, true, 4], [6, true, 4], [7, false, 4],
    [8, true, 8], [9, true, 8], [10, true, 8], [11, true, 8], [12, true, 8], [13, true, 8], [14, true, 8], [15, false, 8],
    [16, true, 10], [17, true, 10], [18, true, 10], [19, true, 10], [20, true, 10], [21, true, 10], [22, true, 10],
    [23, true, 10], [24, true, 10], [25, false, 10], [26, true, 10], [27, true, 10], [28, true, 10], [29, true, 10],
    [30, true, 10], [31, true, 10], [32, true, 10], [33, true, 10], [34, true, 10], [35, false, 10], [56, false, 0],
    [57, false, 1],
  ];
  for (const [tick, inBackOff, value] of cases) {
    clock.set(start + tick * STEP);
    assert.equal(b.isInBackOffSinceUpdate(clock.now()), inBackOff, `tick ${tick}`);
    if (inBackOff) assert.equal(b.get(), value * STEP, `value at tick ${tick}`);
    if (!inBackOff) b.next(clock.now());
  }
});

test('the kubelet\'s back-off starts over after 600 s, not 2 × its cap (pkg/kubelet/kubelet.go@v1.34 NewMainKubelet HasExpiredFunc)', () => {
  const clock = fakeClock(0);
  const b = new FlowcontrolBackoff(clock.now, { maxMs: 60_000, hasExpired: kubeletHasExpired });
  b.next(0);
  b.next(0);
  assert.equal(b.get(), 20_000);
  clock.set(130_000);
  b.next(130_000);
  assert.equal(b.get(), 40_000, '130 s after the last update: client-go would have expired a 60 s cap (2 × 60 s); the kubelet keeps doubling');
  clock.set(730_001);
  b.next(730_001);
  assert.equal(b.get(), 10_000, 'more than 600 s after the last update: starts over');
});

test('the kubelet\'s expiry is strictly more than 600 s: exactly 600 s after the last update the back-off keeps doubling (kubelet.go@v1.34 NewMainKubelet HasExpiredFunc: eventTime.Sub(lastUpdate) > 600*time.Second)', () => {
  assert.equal(kubeletHasExpired(600_000, 0), false);
  assert.equal(kubeletHasExpired(600_001, 0), true);
  const clock = fakeClock(0);
  const b = new FlowcontrolBackoff(clock.now, { hasExpired: kubeletHasExpired });
  b.next(0);
  clock.set(600_000);
  b.next(600_000);
  assert.equal(b.get(), 20_000);
});

test('client-go\'s default expiry is strictly more than 2 × max: at exactly 2 × max the entry still counts (backoff.go@v1.34 hasExpired: eventTime.Sub(lastUpdate) > maxDuration*2)', () => {
  const clock = fakeClock(0);
  const b = new FlowcontrolBackoff(clock.now, { initialMs: STEP, maxMs: 5 * STEP });
  b.next(0);
  assert.equal(b.isInBackOffSinceUpdate(10 * STEP), false, 'past the 1 s back-off, not expired');
  clock.set(10 * STEP);
  b.next(10 * STEP);
  assert.equal(b.get(), 2 * STEP, 'exactly 2 × max after the last update: doubled, not started over');
  clock.set(20 * STEP + 1);
  b.next(20 * STEP + 1);
  assert.equal(b.get(), STEP, 'more than 2 × max: starts over');
});

test('doBackOff: no exited container in the status starts without touching the back-off (kuberuntime_manager.go@v1.34 doBackOff)', () => {
  const clock = fakeClock(0);
  const b = new FlowcontrolBackoff(clock.now, { hasExpired: kubeletHasExpired });
  assert.deepEqual(doBackOff(b, undefined), { inBackOff: false });
  assert.equal(b.get(), 0);
  clock.set(5000);
  assert.deepEqual(doBackOff(b, 4000), { inBackOff: false }, 'the first exit: no entry yet, so Next and start');
  assert.equal(b.get(), 10_000);
  clock.set(9000);
  assert.deepEqual(doBackOff(b, 8000), { inBackOff: true, untilMs: 18_000 });
  clock.set(18_000);
  assert.deepEqual(doBackOff(b, 8000), { inBackOff: false });
  assert.equal(b.get(), 20_000);
});

/**
 * One pod with a process the test scripts: liveness fails once the process has lived `livesMs`, or the
 * process exits by itself after `crashAfterMs`. SIGTERM ends it at once.
 */
async function restarts(options: { release: KubernetesRelease; livesMs?: number; crashAfterMs?: number; untilMs: number; seed?: number }): Promise<number[]> {
  const scheduler = new LabScheduler();
  const probes: Partial<Record<ProbeKind, ReturnType<typeof resolveProbeSpec>>> = {};
  if (options.livesMs !== undefined) probes.liveness = resolveProbeSpec('liveness', { periodSeconds: 1, failureThreshold: 1 });
  const spec = { probes, terminationGracePeriodMs: 30_000, preStopMs: 0, containerStartMs: 0, app: {} } as unknown as PodSpec;
  const starts: number[] = [];
  const factory: ProcessFactory = (_pod, hooks) => {
    const startedAt = scheduler.now;
    starts.push(startedAt);
    const process: PodProcess & { exited: boolean } = {
      exited: false,
      probe: () => ({ ok: options.livesMs === undefined || scheduler.now - startedAt < options.livesMs, durationMs: 0, detail: 'scripted' }),
      serve: () => 'served',
      sigterm: () => {
        process.exited = true;
        hooks.exited();
      },
      kill: () => {
        process.exited = true;
      },
      stall: () => {},
      wedge: () => {},
    };
    if (options.crashAfterMs !== undefined) {
      scheduler.after(options.crashAfterMs, () => {
        if (!process.exited) {
          process.exited = true;
          hooks.exited();
        }
      });
    }
    return process;
  };
  const pod = new Pod('pod-0', spec, scheduler, factory, { changed: () => {} }, { release: options.release, random: seededRandom(options.seed ?? 1) });
  pod.start(false, () => 0);
  await scheduler.runUntil(options.untilMs);
  pod.shutdownNow();
  return starts.map((t) => t / 1000);
}

test('probe kills restart at once until the status shows a recent exit: the back-off is measured from the container before (kuberuntime_manager.go@v1.34 SyncPod, doBackOff)', async () => {
  // Each container fails liveness 30 s after it starts (period 1 s, threshold 1) and exits on SIGTERM.
  // Kill 1: no exited container in the status -> start. Kill 2: the exit of container 1, no back-off entry yet
  // -> Next (10 s), start. Kills 3 and 4: the container before exited 30 s ago, more than the back-off (10 s,
  // 20 s) -> start. Kill 5 at 150 s: the one before exited at 120 s, 30 s < 40 s -> back-off until 160 s;
  // the next sync sees the fresh exit at 150 s -> until 190 s.
  assert.deepEqual(await restarts({ release: '1.35', livesMs: 30_000, untilMs: 200_000 }), [0, 30, 60, 90, 120, 190]);
});

test('the same probe kills on a 1.34 kubelet: the pod worker retries a back-off every 10–15 s, so the start comes up to 15 s late (pod_workers.go completeWork before PR #133066)', async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const starts = await restarts({ release: '1.34', livesMs: 30_000, untilMs: 220_000, seed });
    assert.deepEqual(starts.slice(0, 5), [0, 30, 60, 90, 120], `seed ${seed}`);
    assert.ok(starts[5]! >= 190 && starts[5]! <= 205, `seed ${seed}: the sixth container started at ${starts[5]} s`);
  }
});

test('a container that exits by itself follows the usual back-off: seen at the next PLEG relist, first restart at once, then 10, 20, 40 s (kuberuntime_manager.go@v1.34 doBackOff, #133472)', async () => {
  // Crashes 5 s after each start. Exit 5 s, relist 6 s -> no entry: Next, start 6 s. Exit 11 s, relist 12 s ->
  // in back-off until 21 s -> start 21 s (Next: 20 s). Exit 26 s -> until 46 s. Exit 51 s -> until 91 s.
  assert.deepEqual(await restarts({ release: '1.35', crashAfterMs: 5000, untilMs: 100_000 }), [0, 6, 21, 46, 91]);
});
