/**
 * RabbitMQ readiness check for amqplib (promise API, plain or recovering connection): the connection
 * is open and answers a channel open/close; optionally a queue exists (passive, never created).
 * No runtime import of amqplib.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, raceAbort, responseTime, wrapError } from './shared.js';

/** The part of an amqplib channel the check uses. */
export interface AmqpChannelLike {
  checkQueue(queue: string): Promise<{ messageCount: number; consumerCount: number }>;
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of an amqplib `ChannelModel` (from `amqp.connect()`) the check uses. */
export interface AmqpConnectionLike {
  createChannel(): Promise<AmqpChannelLike>;
  on(event: 'close' | 'disconnect' | 'connect', listener: (error?: unknown) => void): unknown;
}

/** Options of `rabbitmqCheck()`. */
export interface RabbitmqCheckOptions {
  /**
   * A queue that must exist, checked passively on a throwaway channel (a missing queue makes the
   * server close that channel, never yours); its message and consumer counts go to the details.
   * @default undefined (no queue check)
   */
  readonly queue?: string;
}

const KIND = 'rabbitmq';

/**
 * A readiness check on an amqplib connection. Pass the `ChannelModel` itself, or a function that
 * returns the current one if your app reconnects by replacing it. Each run opens a throwaway
 * channel (one round trip), optionally checks a queue, and closes the channel.
 */
export function rabbitmqCheck(connection: AmqpConnectionLike | (() => AmqpConnectionLike | undefined), options: RabbitmqCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('rabbitmqCheck() options', options, ['queue']);
  const queue = options.queue === undefined ? undefined : v.string('queue', options.queue);
  const getter = typeof connection === 'function' ? connection : () => connection;
  if (typeof connection !== 'function') assertConnection(connection);

  // Connection state from the connection's own events; no 'error' listener, so the app's error
  // handling (or its absence) is unchanged.
  const states = new WeakMap<object, string | undefined>();
  const watched = new WeakSet<object>();
  const watch = (model: AmqpConnectionLike): void => {
    if (watched.has(model)) return;
    watched.add(model);
    const down = (error?: unknown) => states.set(model, error instanceof Error ? error.message : 'closed by the client');
    model.on('close', down);
    model.on('disconnect', down);
    model.on('connect', () => states.delete(model));
  };
  if (typeof connection !== 'function') watch(connection);

  let pending = false;

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    const model = getter();
    if (!model) throw new DependencyCheckError(KIND, 'not connected (no connection)');
    watch(model);
    if (states.has(model)) throw new DependencyCheckError(KIND, `connection is closed (${states.get(model)})`);
    // NOTE: on a partitioned connection channel opens never answer; one at a time, never a pile.
    if (pending) throw new DependencyCheckError(KIND, 'previous channel open still pending on the connection');
    pending = true;
    const opening = model.createChannel();
    let channel: AmqpChannelLike | undefined;
    const closeChannel = (c: AmqpChannelLike): void => {
      c.close().catch(() => {});
    };
    try {
      channel = await raceAbort(KIND, signal, opening, () => {
        opening.then((c) => {
          c.on('error', ignore);
          closeChannel(c);
        }, ignore).finally(() => (pending = false));
      });
      pending = false;
      // A server-side channel close (404 on checkQueue) is reported through the promise; the event is ours to swallow.
      channel.on('error', ignore);
      let output: string | undefined;
      if (queue !== undefined) {
        const ok = await raceAbort(KIND, signal, channel.checkQueue(queue));
        output = `queue ${queue}: ${ok.messageCount} messages, ${ok.consumerCount} consumers`;
      }
      return responseTime(startedAt, 'component', output);
    } catch (error) {
      if (!signal.aborted) pending = false;
      throw error instanceof DependencyCheckError ? error : wrapError(KIND, error);
    } finally {
      if (channel) closeChannel(channel);
    }
  };

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}

const ignore = (): void => {};

function assertConnection(value: unknown): void {
  const c = value as Record<string, unknown> | null;
  if (!c || typeof c !== 'object' || typeof c['createChannel'] !== 'function' || typeof c['on'] !== 'function') {
    throw new TypeError(
      `Expected \`connection\` to be an amqplib ChannelModel (from \`amqp.connect()\`) or a function returning one, got \`${c === null || typeof c !== 'object' ? v.describe(c) : 'an object without createChannel() and on()'}\``,
    );
  }
}
