/**
 * BullMQ checks. For a producer, `bullmqQueueCheck`: one round trip to Redis through the Queue.
 * For a worker process, `bullmqWorkerCheck`: the Worker is running and no job has been active for
 * longer than allowed — read from the Worker's own state and events, never from Redis, so it is
 * safe on liveness. No runtime import of `bullmq`.
 */
import type { CheckDefinition, CheckDetails } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, assertClient, raceAbort, responseTime } from './shared.js';

/** The part of a BullMQ `Queue` (or `FlowProducer`-like producer with a queue) the check uses. */
export interface BullmqQueueLike {
  readonly name: string;
  /** One HEXISTS on the queue's meta key: a round trip on the Queue's own connection. */
  isPaused(): Promise<boolean>;
  add(...args: never[]): unknown;
  /** BullMQ 5: the Queue's Redis connection. */
  readonly client?: Promise<unknown>;
  /** BullMQ 6: the backend, whose `client` is the Redis connection. */
  getBackend?(): { readonly client?: Promise<unknown> } | undefined;
}

/** The part of a BullMQ `Worker` the check uses. */
export interface BullmqWorkerLike {
  readonly name: string;
  isRunning(): boolean;
  isPaused(): boolean;
  /** Used with `active`, `completed`, `failed` (listeners get the job first) and `closed`. */
  on(event: never, listener: never): unknown;
  off(event: never, listener: never): unknown;
}

/** Options of `bullmqWorkerCheck()`. */
export interface BullmqWorkerCheckOptions {
  /**
   * Fail when one job has been active for longer than this: the processor hangs (an await that
   * never settles). Set it above your slowest legitimate job. @default undefined (not checked)
   */
  readonly maxJobMs?: number;
  /** A monotonic clock in ms; injectable for tests. @default performance.now */
  readonly now?: () => number;
}

const KIND = 'bullmq';

type Emitter = { on(event: string, listener: (job: never) => void): unknown; off(event: string, listener: (job: never) => void): unknown };

/**
 * A readiness check for a producer: fails at once while the Queue's Redis connection is not
 * `ready` (so nothing waits in ioredis's offline queue during an outage), otherwise asks Redis,
 * through the user's Queue, whether the queue is paused (one HEXISTS): exactly the connection
 * `queue.add()` uses. The Queue takes no AbortSignal: while a round trip is unanswered the next
 * run fails at once.
 */
export function bullmqQueueCheck(queue: BullmqQueueLike): CheckDefinition {
  assertClient('queue', queue, ['isPaused', 'add'], 'a BullMQ Queue');
  let pending: Promise<unknown> | undefined;
  let connection: { readonly status?: unknown } | undefined;
  const named = JSON.stringify(queue.name);

  const check = async (signal: AbortSignal): Promise<CheckDetails> => {
    const startedAt = performance.now();
    if (!connection) {
      const source = queue.client ?? queue.getBackend?.()?.client;
      if (source) connection = (await raceAbort(KIND, signal, Promise.resolve(source))) as { readonly status?: unknown };
    }
    const status = connection?.status;
    if (typeof status === 'string' && status !== 'ready') throw new DependencyCheckError(KIND, `Redis connection of queue ${named} is not ready (status: ${status})`);
    if (pending) throw new DependencyCheckError(KIND, `previous round trip still pending on queue ${named}`);
    const asking = queue.isPaused();
    const tracked = asking.finally(() => {
      if (pending === tracked) pending = undefined;
    });
    tracked.catch(() => {});
    pending = tracked;
    const paused = await raceAbort(KIND, signal, asking);
    return responseTime(startedAt, 'component', `queue ${named}${paused ? ' (paused)' : ''}`);
  };

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}

/** A liveness-safe check plus `stop()`, which removes its listeners from the Worker. */
export interface BullmqWorkerCheck extends CheckDefinition {
  stop(): void;
}

/**
 * A liveness check for a worker process: fails once the Worker stopped running (closed, or its
 * main loop ended) or, with `maxJobMs`, while a job has been active for longer than that. No Redis
 * call: a Redis outage never fails it (readiness is where Redis belongs). A paused Worker passes.
 */
export function bullmqWorkerCheck(worker: BullmqWorkerLike, options: BullmqWorkerCheckOptions = {}): BullmqWorkerCheck {
  v.plainObject('options', options);
  v.knownKeys('bullmqWorkerCheck() options', options, ['maxJobMs', 'now']);
  assertClient('worker', worker, ['isRunning', 'isPaused', 'on', 'off'], 'a BullMQ Worker');
  const maxJobMs = options.maxJobMs === undefined ? undefined : v.positiveInteger('maxJobMs', options.maxJobMs);
  const now = options.now ?? (() => performance.now());
  if (typeof now !== 'function') throw new TypeError(`Expected \`now\` to be a function, got \`${v.describe(now)}\``);

  /** Job id → when it became active. */
  const active = new Map<string, number>();
  let closed = false;
  const onActive = (job: { readonly id?: string | undefined }): void => {
    if (job?.id !== undefined) active.set(job.id, now());
  };
  const onSettled = (job: { readonly id?: string | undefined } | undefined): void => {
    if (job?.id !== undefined) active.delete(job.id);
  };
  const onClosed = (): void => {
    closed = true;
    active.clear();
  };
  const events = worker as unknown as Emitter;
  events.on('active', onActive);
  events.on('completed', onSettled);
  events.on('failed', onSettled);
  events.on('closed', onClosed);

  const check = (): CheckDetails => {
    if (closed) throw new DependencyCheckError(KIND, `worker for queue ${JSON.stringify(worker.name)} is closed`);
    if (!worker.isRunning()) throw new DependencyCheckError(KIND, `worker for queue ${JSON.stringify(worker.name)} is not running`);
    let oldestId: string | undefined;
    let oldestAt = Number.POSITIVE_INFINITY;
    for (const [id, at] of active) {
      if (at < oldestAt) {
        oldestAt = at;
        oldestId = id;
      }
    }
    const oldestMs = oldestId === undefined ? 0 : Math.round(now() - oldestAt);
    if (maxJobMs !== undefined && oldestId !== undefined && oldestMs > maxJobMs) {
      throw new DependencyCheckError(KIND, `job ${oldestId} on queue ${JSON.stringify(worker.name)} has been active for ${oldestMs} ms (maxJobMs ${maxJobMs})`);
    }
    const state = worker.isPaused() ? 'paused' : 'running';
    return { observedValue: oldestMs, observedUnit: 'ms', measurement: 'oldestActiveJob', componentType: 'component', output: `${state}, ${active.size} active` };
  };

  const stop = (): void => {
    events.off('active', onActive);
    events.off('completed', onSettled);
    events.off('failed', onSettled);
    events.off('closed', onClosed);
  };

  return Object.freeze({ check, dependency: false, componentType: 'component', stop });
}
