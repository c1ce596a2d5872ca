import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, plainObject, knownKeys, nonNegativeInteger, positiveInteger, string } from '../engine/validate.js';

/**
 * A fault the proxy applies. Strings are shorthands for the modes without parameters.
 * - `pass`: forward both ways.
 * - `latency`: delay every chunk, both ways, by `ms` plus a random `0..jitterMs`, keeping order.
 * - `blackhole`: accept connections and never answer (a network partition: nothing is read or forwarded).
 * - `reset`: answer every connection, new and open, with a TCP RST.
 * - `refuse`: stop listening, so connects fail with ECONNREFUSED; open connections are reset.
 * - `bandwidth`: forward at most `bytesPerSecond` per connection and direction.
 */
export type FaultMode =
  | 'pass'
  | 'blackhole'
  | 'reset'
  | 'refuse'
  | { readonly kind: 'pass' }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'latency'; readonly ms: number; readonly jitterMs?: number }
  | { readonly kind: 'bandwidth'; readonly bytesPerSecond: number };

export type FaultModeKind = 'pass' | 'latency' | 'blackhole' | 'reset' | 'refuse' | 'bandwidth';

/** Options of `createFaultProxy()`. */
export interface FaultProxyOptions {
  /** Where connections are forwarded to. Required. */
  readonly target: { readonly host: string; readonly port: number };
  /** Where the proxy listens. @default { host: '127.0.0.1', port: 0 } (a free port) */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /** The mode at start. @default 'pass' */
  readonly mode?: FaultMode;
}

/** A running proxy. */
export interface FaultProxy {
  readonly host: string;
  /** The port the proxy listens on (kept across `refuse`). */
  readonly port: number;
  /** The current mode, normalised. */
  readonly mode: ResolvedFaultMode;
  /** Client connections currently open through the proxy. */
  readonly connections: number;
  /** Client connections accepted since the start. */
  readonly accepted: number;
  /** Switches the mode; resolves once it is in effect (for `refuse`: once the port is closed or listening again). */
  setMode(mode: FaultMode): Promise<void>;
  /** Stops listening and destroys every connection and timer. Idempotent. */
  close(): Promise<void>;
}

export type ResolvedFaultMode =
  | { readonly kind: 'pass' | 'blackhole' | 'reset' | 'refuse' }
  | { readonly kind: 'latency'; readonly ms: number; readonly jitterMs: number }
  | { readonly kind: 'bandwidth'; readonly bytesPerSecond: number };

export const faultProxyDefaults = {
  listen: { host: '127.0.0.1', port: 0 },
  mode: 'pass' as FaultMode,
} satisfies Required<Omit<FaultProxyOptions, 'target'>>;

const SIMPLE = ['pass', 'blackhole', 'reset', 'refuse'] as const;

/** Validates a mode, naming what was wrong. */
export function resolveFaultMode(mode: unknown): ResolvedFaultMode {
  if (typeof mode === 'string') {
    if ((SIMPLE as readonly string[]).includes(mode)) return Object.freeze({ kind: mode as (typeof SIMPLE)[number] });
    throw new TypeError(
      `Expected \`mode\` to be one of \`pass\`, \`blackhole\`, \`reset\`, \`refuse\` or an object { kind: 'latency' | 'bandwidth', … }, got \`${describe(mode)}\``,
    );
  }
  const o = plainObject('mode', mode);
  const kind = o['kind'];
  if (typeof kind === 'string' && (SIMPLE as readonly string[]).includes(kind)) {
    knownKeys(`mode \`${kind}\``, o, ['kind']);
    return Object.freeze({ kind: kind as (typeof SIMPLE)[number] });
  }
  if (kind === 'latency') {
    knownKeys('mode `latency`', o, ['kind', 'ms', 'jitterMs']);
    return Object.freeze({ kind, ms: nonNegativeInteger('mode.ms', o['ms']), jitterMs: nonNegativeInteger('mode.jitterMs', o['jitterMs'] ?? 0) });
  }
  if (kind === 'bandwidth') {
    knownKeys('mode `bandwidth`', o, ['kind', 'bytesPerSecond']);
    return Object.freeze({ kind, bytesPerSecond: positiveInteger('mode.bytesPerSecond', o['bytesPerSecond']) });
  }
  throw new TypeError(
    `Expected \`mode.kind\` to be one of \`pass\`, \`latency\`, \`blackhole\`, \`reset\`, \`refuse\`, \`bandwidth\`, got \`${describe(kind)}\``,
  );
}

const END = Symbol('end');
type Item = { readonly data: Buffer | typeof END; readonly due: number };

/**
 * One direction of one connection. Chunks are released in order at their due time, so latency
 * and bandwidth shaping never reorder a TCP stream; backpressure pauses the reading side.
 */
class Lane {
  readonly #from: Socket;
  readonly #to: () => Socket | undefined;
  readonly #proxy: ProxyState;
  readonly #queue: Item[] = [];
  #lastDue = 0;
  #timer: NodeJS.Timeout | undefined;
  #blocked = false;
  /** Runs once the end of the stream was delivered, so a closing side still flushes delayed data. */
  afterEnd: (() => void) | undefined;

  constructor(from: Socket, to: () => Socket | undefined, proxy: ProxyState) {
    this.#from = from;
    this.#to = to;
    this.#proxy = proxy;
    from.on('data', (chunk: Buffer) => this.#push(chunk));
    from.on('end', () => this.#push(END));
  }

  /** Reading stops while blackholed or while the other side cannot take more. */
  applyMode(): void {
    if (this.#proxy.mode.kind === 'blackhole' || this.#blocked) this.#from.pause();
    else this.#from.resume();
    this.#pump();
  }

  get pending(): number {
    return this.#queue.length;
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }

  #push(data: Buffer | typeof END): void {
    const now = performance.now();
    const mode = this.#proxy.mode;
    let due = now;
    if (mode.kind === 'latency') due = now + mode.ms + (mode.jitterMs > 0 ? Math.random() * mode.jitterMs : 0);
    else if (mode.kind === 'bandwidth' && data !== END) due = Math.max(now, this.#lastDue) + (data.length / mode.bytesPerSecond) * 1000;
    // NOTE: a TCP stream must not reorder: a chunk never leaves before the one ahead of it.
    due = Math.max(due, this.#lastDue);
    this.#lastDue = due;
    this.#queue.push({ data, due });
    this.#pump();
  }

  #pump(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#proxy.mode.kind === 'blackhole') return;
    const to = this.#to();
    if (!to || to.connecting || to.destroyed) return;
    const now = performance.now();
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.due > now) {
        this.#timer = setTimeout(() => this.#pump(), Math.ceil(head.due - now));
        this.#timer.unref();
        return;
      }
      this.#queue.shift();
      if (head.data === END) {
        to.end();
        this.afterEnd?.();
        continue;
      }
      if (!to.write(head.data) && !this.#blocked) {
        this.#blocked = true;
        this.#from.pause();
        to.once('drain', () => {
          this.#blocked = false;
          this.applyMode();
        });
      }
    }
  }
}

interface ProxyState {
  mode: ResolvedFaultMode;
}

class Connection {
  readonly client: Socket;
  upstream: Socket | undefined;
  readonly #lanes: Lane[] = [];
  #clientLane: Lane;
  readonly #proxy: ProxyState;
  readonly #target: { host: string; port: number };
  readonly #onClose: (c: Connection) => void;
  #closed = false;

  constructor(client: Socket, proxy: ProxyState, target: { host: string; port: number }, onClose: (c: Connection) => void) {
    this.client = client;
    this.#proxy = proxy;
    this.#target = target;
    this.#onClose = onClose;
    client.pause();
    client.on('error', () => this.destroy(false));
    this.#clientLane = new Lane(client, () => this.upstream, proxy);
    this.#lanes.push(this.#clientLane);
    client.on('close', () => this.#closeAfterFlush(this.#clientLane));
  }

  /** A side closed: forward what it sent first (it may still sit in a latency queue), then close. */
  #closeAfterFlush(lane: Lane | undefined): void {
    if (lane && lane.pending > 0 && this.#proxy.mode.kind !== 'blackhole') lane.afterEnd = () => this.destroy(false);
    else this.destroy(false);
  }

  /** Called on accept and on every mode change. */
  applyMode(): void {
    if (this.#closed) return;
    const kind = this.#proxy.mode.kind;
    if (kind === 'reset' || kind === 'refuse') {
      this.destroy(true);
      return;
    }
    // NOTE: a connection accepted during a blackhole opens its upstream only once traffic may flow,
    // as a partitioned server never saw the SYN.
    if (!this.upstream && kind !== 'blackhole') this.#connectUpstream();
    for (const lane of this.#lanes) lane.applyMode();
  }

  #connectUpstream(): void {
    const upstream = connect({ host: this.#target.host, port: this.#target.port });
    this.upstream = upstream;
    upstream.pause();
    let lane: Lane | undefined;
    upstream.on('error', () => this.destroy(true));
    upstream.on('close', () => this.#closeAfterFlush(lane));
    upstream.once('connect', () => {
      lane = new Lane(upstream, () => this.client, this.#proxy);
      this.#lanes.push(lane);
      this.applyMode();
    });
  }

  /** Ends both sides: `reset` sends an RST to the client, otherwise a plain close. */
  destroy(reset: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of this.#lanes) lane.dispose();
    if (reset && !this.client.destroyed) this.client.resetAndDestroy();
    else this.client.destroy();
    if (this.upstream) {
      if (reset && !this.upstream.destroyed && !this.upstream.connecting) this.upstream.resetAndDestroy();
      else this.upstream.destroy();
    }
    this.#onClose(this);
  }
}

/**
 * Starts a TCP proxy in front of `target` whose faults can be switched at runtime, to prove a
 * readiness check (or a whole service) behaves under refuse, reset, blackhole, latency and slow links.
 */
export async function createFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  plainObject('options', options);
  knownKeys('createFaultProxy() options', options, ['target', 'listen', 'mode']);
  const targetInput = plainObject('target', options.target);
  const target = { host: string('target.host', targetInput['host']), port: port('target.port', targetInput['port']) };
  const listenInput = plainObject('listen', options.listen ?? faultProxyDefaults.listen);
  const host = string('listen.host', listenInput['host'] ?? faultProxyDefaults.listen.host);
  let listenPort = port('listen.port', listenInput['port'] ?? faultProxyDefaults.listen.port);
  const state: ProxyState = { mode: resolveFaultMode(options.mode ?? faultProxyDefaults.mode) };
  const connections = new Set<Connection>();
  let accepted = 0;
  let closed = false;

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    accepted += 1;
    if (state.mode.kind === 'reset' || closed) {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const connection = new Connection(client, state, target, (c) => connections.delete(c));
    connections.add(connection);
    connection.applyMode();
  });
  // Errors of the listening socket after start have no caller to go to; connections handle their own.
  server.on('error', () => {});

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      server.listen({ host, port: listenPort, exclusive: true }, () => {
        server.off('error', onError);
        const address = server.address();
        if (address && typeof address === 'object') listenPort = address.port;
        resolve();
      });
    });
  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      // NOTE: every connection is destroyed first, so the close callback does not wait on them.
      server.close(() => resolve());
    });

  if (state.mode.kind !== 'refuse') await listen();
  else {
    // Reserve a port for a proxy that starts refusing: listen once, then close.
    await listen();
    await stopListening();
  }

  let pending: Promise<void> = Promise.resolve();
  return {
    host,
    get port() {
      return listenPort;
    },
    get mode() {
      return state.mode;
    },
    get connections() {
      return connections.size;
    },
    get accepted() {
      return accepted;
    },
    setMode(mode) {
      const next = resolveFaultMode(mode);
      if (closed) return Promise.reject(new Error('fault proxy is closed'));
      state.mode = next;
      for (const connection of [...connections]) connection.applyMode();
      // Serialise listen/close so quick switches never race each other.
      pending = pending.then(async () => {
        if (closed) return;
        if (state.mode.kind === 'refuse') await stopListening();
        else if (!server.listening) await listen();
      });
      return pending;
    },
    async close() {
      if (closed) return pending;
      closed = true;
      for (const connection of [...connections]) connection.destroy(false);
      pending = pending.then(() => stopListening());
      return pending;
    },
  };
}

function port(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new TypeError(`Expected \`${name}\` to be an integer from 0 to 65535, got \`${describe(value)}\``);
  }
  return value;
}
