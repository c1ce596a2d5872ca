import { constants } from 'node:os';
import { realClock, type Clock } from '../engine/clock.js';
import { formatMs } from '../engine/errors.js';
import * as v from '../engine/validate.js';
import type { DrainableServer } from './drain.js';

/** A cleanup step run after the servers drained: close pools, flush logs. */
export interface ShutdownHook {
  /** Named in logs and events, e.g. `'postgres pool'`. */
  readonly name: string;
  /** Gets an AbortSignal that fires when the hook's time is up. A rejection counts as a failed hook. */
  readonly run: (signal: AbortSignal) => unknown;
  /** How long this hook may take. @default the `hookTimeoutMs` option (5000) */
  readonly timeoutMs?: number;
}

/** Where signals (and, with `uncaughtErrors`, `uncaughtException` / `unhandledRejection`) come from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: string, listener: (signal: string) => void): unknown;
  off(event: string, listener: (signal: string) => void): unknown;
}

/** A `ws` WebSocketServer, as far as the shutdown uses it: its tracked clients get `close(1001, …)`. */
export interface WsServerLike {
  readonly clients: Iterable<{ close(code?: number, reason?: string): void }>;
}

/** A socket.io Server, as far as the shutdown uses it: its engine closes every client's transport. */
export interface SocketIoServerLike {
  readonly engine: { close(): unknown };
}

/** What `webSockets` takes: a `ws` server, a socket.io server, or a function that closes your connections. */
export type WebSocketCloser = WsServerLike | SocketIoServerLike | ((signal: AbortSignal) => unknown);

/** What an uncaught exception or unhandled rejection does; see docs/shutdown.md. */
export type UncaughtErrorPolicy = 'node-default' | 'fail-liveness' | 'shutdown';

/** Anything with `info`, `warn` and `error` taking a message: `console`, pino, winston. */
export interface ShutdownLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options of `shutdownOn()`. Every default is listed. */
export interface ShutdownOptions {
  /** The app's servers (node:http, https, http2) to drain: stop accepting, close idle keep-alive sockets, wait for in-flight requests. @default [] */
  readonly servers?: readonly DrainableServer[];
  /**
   * Signals that start the shutdown; a second one forces exit at once. Add the container's
   * `lifecycle.stopSignal` here when it is not SIGTERM. SIGKILL and SIGSTOP cannot be handled.
   * @default ['SIGTERM', 'SIGINT']
   */
  readonly signals?: readonly string[];
  /**
   * Keep readiness passing until the drain delay ends (instead of failing it at the signal), so a
   * serving-but-terminating endpoint stays usable by kube-proxy's fallback when no endpoint is ready.
   * @default false
   */
  readonly keepReadyDuringDrain?: boolean;
  /**
   * WebSocket servers whose connections are closed with 1001 (Going Away) when the drain delay
   * ends, so clients reconnect to another replica: a `ws` WebSocketServer, a socket.io Server, or a
   * function `(signal) => …` that closes yours. Server-sent event streams (`text/event-stream`
   * responses) are ended at the same moment without being listed.
   * @default []
   */
  readonly webSockets?: readonly WebSocketCloser[];
  /**
   * Adds a readiness check `listening` that opens (and closes) a loopback connection to each of
   * `servers` every check interval, so a dead app port fails readiness even when probes are
   * served on another port. Needs a health with `readiness()` (`createHealth()`).
   * @default true
   */
  readonly checkServers?: boolean;
  /**
   * `'shutdown'`: an uncaught exception or unhandled rejection is logged, fails liveness and
   * readiness (`fatal`), and starts the shutdown, which exits 1 after the drain. `'fail-liveness'`:
   * logged and `fatal`, the process keeps running until the kubelet restarts it. `'node-default'`:
   * no handler is installed.
   * @default 'node-default'
   */
  readonly uncaughtErrors?: UncaughtErrorPolicy;
  /**
   * How long to keep serving normally after readiness turned false, so endpoint removal reaches
   * every load balancer and kube-proxy before the servers stop accepting.
   * @default 5000 when running in Kubernetes (`KUBERNETES_SERVICE_HOST` is set), else 0
   */
  readonly drainDelayMs?: number;
  /**
   * The pod's `terminationGracePeriodSeconds` in ms: after it the kubelet sends SIGKILL.
   * @default `PROBEKIT_TERMINATION_GRACE_SECONDS` x 1000 - 500 (`probekit-cli manifest` sets it), else 30000
   */
  readonly gracePeriodMs?: number;
  /** Time kept in hand before the grace period ends: everything is done (or destroyed) and the process exits by `gracePeriodMs - marginMs`. @default 2000 */
  readonly marginMs?: number;
  /** Cleanup hooks, run after the drain in reverse order (the last registered runs first). More can be added with `shutdown.hook()`. @default [] */
  readonly hooks?: readonly ShutdownHook[];
  /** Time limit of a hook that sets no `timeoutMs`. @default 5000 */
  readonly hookTimeoutMs?: number;
  /** Ends the process. @default `process.exit` */
  readonly exit?: (code: number) => void;
  /** Emits the signals. @default process */
  readonly signalSource?: SignalSource;
  /** Where the phases are logged. @default console, each line prefixed `probekit shutdown:` */
  readonly logger?: ShutdownLogger;
  /** Read once, here, to detect Kubernetes. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Time and timers. @default the real clock */
  readonly clock?: Clock;
}

export const shutdownDefaults = {
  servers: [] as readonly DrainableServer[],
  signals: ['SIGTERM', 'SIGINT'] as readonly string[],
  keepReadyDuringDrain: false,
  webSockets: [] as readonly WebSocketCloser[],
  checkServers: true,
  uncaughtErrors: 'node-default' as UncaughtErrorPolicy,
  /** In Kubernetes; 0 elsewhere. */
  drainDelayMs: 5000,
  gracePeriodMs: 30_000,
  marginMs: 2000,
  hooks: [] as readonly ShutdownHook[],
  hookTimeoutMs: 5000,
} as const;

/**
 * Taken off `PROBEKIT_TERMINATION_GRACE_SECONDS`: the kubelet's clock starts when it asks the
 * runtime to stop the container, a little before the signal reaches the handler.
 */
export const GRACE_ENV_SAFETY_MS = 500;

/** `gracePeriodMs` from `PROBEKIT_TERMINATION_GRACE_SECONDS`, when it is set. */
function gracePeriodFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env['PROBEKIT_TERMINATION_GRACE_SECONDS'];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new TypeError(`Expected environment variable \`PROBEKIT_TERMINATION_GRACE_SECONDS\` to be a whole number of seconds (at least 1), got \`${JSON.stringify(raw)}\``);
  }
  return Number(raw) * 1000 - GRACE_ENV_SAFETY_MS;
}

/** Below this much time left for waiting on in-flight requests, the plan is reported as too tight. */
export const MIN_DRAIN_WINDOW_MS = 1000;

export interface ResolvedHook {
  readonly name: string;
  readonly run: (signal: AbortSignal) => unknown;
  readonly timeoutMs: number;
}

export interface ResolvedShutdownOptions {
  readonly servers: readonly DrainableServer[];
  readonly signals: readonly string[];
  readonly keepReadyDuringDrain: boolean;
  readonly webSockets: readonly WebSocketCloser[];
  readonly checkServers: boolean;
  readonly uncaughtErrors: UncaughtErrorPolicy;
  readonly drainDelayMs: number;
  readonly gracePeriodMs: number;
  readonly marginMs: number;
  readonly hooks: readonly ResolvedHook[];
  readonly hookTimeoutMs: number;
  readonly exit: (code: number) => void;
  readonly signalSource: SignalSource;
  readonly logger: ShutdownLogger;
  readonly clock: Clock;
  readonly kubernetes: boolean;
}

const KEYS = ['servers', 'signals', 'keepReadyDuringDrain', 'webSockets', 'checkServers', 'uncaughtErrors', 'drainDelayMs', 'gracePeriodMs', 'marginMs', 'hooks', 'hookTimeoutMs', 'exit', 'signalSource', 'logger', 'env', 'clock'] as const;

const consoleLogger: ShutdownLogger = {
  info: (message) => console.info(`probekit shutdown: ${message}`),
  warn: (message) => console.warn(`probekit shutdown: ${message}`),
  error: (message) => console.error(`probekit shutdown: ${message}`),
};

/** Validates every option, naming it and the value received. */
export function resolveShutdownOptions(input: ShutdownOptions): ResolvedShutdownOptions {
  v.plainObject('shutdownOn() options', input);
  v.knownKeys('shutdownOn() options', input, KEYS);
  const env = input.env ?? process.env;
  const kubernetes = typeof env['KUBERNETES_SERVICE_HOST'] === 'string' && env['KUBERNETES_SERVICE_HOST'] !== '';
  const servers = input.servers ?? shutdownDefaults.servers;
  if (!Array.isArray(servers)) throw new TypeError(`Expected \`servers\` to be an array of node:http, https or http2 servers, got \`${v.describe(servers)}\``);
  servers.forEach((server, i) => {
    if (server === null || typeof server !== 'object' || typeof (server as { close?: unknown }).close !== 'function' || typeof (server as { on?: unknown }).on !== 'function') {
      throw new TypeError(`Expected \`servers[${i}]\` to be a node:http, https or http2 server, got \`${v.describe(server)}\``);
    }
  });
  const signals = input.signals ?? shutdownDefaults.signals;
  if (!Array.isArray(signals) || !signals.every((s) => typeof s === 'string' && /^SIG[A-Z0-9]+$/.test(s))) {
    throw new TypeError(`Expected \`signals\` to be an array of signal names like 'SIGTERM', got \`${v.describe(signals)}\``);
  }
  for (const signal of signals as readonly string[]) {
    if (!(signal in constants.signals)) throw new TypeError(`Expected \`signals\` to name signals this platform knows, got \`${signal}\``);
    // NOTE: the kernel never delivers these to a handler; node refuses to install one (uv_signal_start EINVAL).
    if (signal === 'SIGKILL' || signal === 'SIGSTOP') throw new TypeError(`Expected \`signals\` to name signals a process can handle, got \`${signal}\` (it cannot be caught)`);
  }
  const keepReadyDuringDrain = v.boolean('keepReadyDuringDrain', input.keepReadyDuringDrain ?? shutdownDefaults.keepReadyDuringDrain);
  const checkServers = v.boolean('checkServers', input.checkServers ?? shutdownDefaults.checkServers);
  const uncaughtErrors = v.oneOf('uncaughtErrors', input.uncaughtErrors ?? shutdownDefaults.uncaughtErrors, ['node-default', 'fail-liveness', 'shutdown'] as const);
  const webSockets = input.webSockets ?? shutdownDefaults.webSockets;
  if (!Array.isArray(webSockets)) throw new TypeError(`Expected \`webSockets\` to be an array of ws or socket.io servers or functions, got \`${v.describe(webSockets)}\``);
  webSockets.forEach((w, i) => {
    if (!isWebSocketCloser(w)) throw new TypeError(`Expected \`webSockets[${i}]\` to be a ws WebSocketServer, a socket.io Server or a function, got \`${v.describe(w)}\``);
  });
  const drainDelayMs = v.nonNegativeInteger('drainDelayMs', input.drainDelayMs ?? (kubernetes ? shutdownDefaults.drainDelayMs : 0));
  const gracePeriodMs = v.positiveInteger('gracePeriodMs', input.gracePeriodMs ?? gracePeriodFromEnv(env) ?? shutdownDefaults.gracePeriodMs);
  const marginMs = v.nonNegativeInteger('marginMs', input.marginMs ?? shutdownDefaults.marginMs);
  if (marginMs >= gracePeriodMs) {
    throw new TypeError(`Expected \`marginMs\` to be less than \`gracePeriodMs\` (${gracePeriodMs}), got \`${marginMs}\``);
  }
  const hookTimeoutMs = v.positiveInteger('hookTimeoutMs', input.hookTimeoutMs ?? shutdownDefaults.hookTimeoutMs);
  const hooksInput = input.hooks ?? shutdownDefaults.hooks;
  if (!Array.isArray(hooksInput)) throw new TypeError(`Expected \`hooks\` to be an array of { name, run, timeoutMs? }, got \`${v.describe(hooksInput)}\``);
  const hooks = hooksInput.map((hook, i) => resolveHook(`hooks[${i}]`, hook, hookTimeoutMs));
  const exit = input.exit ?? ((code: number) => process.exit(code));
  if (typeof exit !== 'function') throw new TypeError(`Expected \`exit\` to be a function (code) => void, got \`${v.describe(exit)}\``);
  const signalSource = input.signalSource ?? (process as unknown as SignalSource);
  if (typeof signalSource?.on !== 'function' || typeof signalSource.off !== 'function') {
    throw new TypeError(`Expected \`signalSource\` to have on() and off(), got \`${v.describe(signalSource)}\``);
  }
  const logger = input.logger ?? consoleLogger;
  if (!logger || ['info', 'warn', 'error'].some((m) => typeof (logger as unknown as Record<string, unknown>)[m] !== 'function')) {
    throw new TypeError(`Expected \`logger\` to have info(), warn() and error() methods, got \`${v.describe(logger)}\``);
  }
  return {
    servers: [...servers],
    signals: [...signals],
    keepReadyDuringDrain,
    webSockets: [...webSockets],
    checkServers,
    uncaughtErrors,
    drainDelayMs,
    gracePeriodMs,
    marginMs,
    hooks,
    hookTimeoutMs,
    exit,
    signalSource,
    logger,
    clock: input.clock ?? realClock,
    kubernetes,
  };
}

function isWebSocketCloser(value: unknown): value is WebSocketCloser {
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object') return false;
  const clients = (value as { clients?: unknown }).clients;
  if (clients !== null && typeof clients === 'object' && typeof (clients as Iterable<unknown>)[Symbol.iterator] === 'function') return true;
  const engine = (value as { engine?: { close?: unknown } }).engine;
  return engine !== null && typeof engine === 'object' && typeof engine.close === 'function';
}

export function resolveHook(what: string, hook: unknown, hookTimeoutMs: number): ResolvedHook {
  v.plainObject(what, hook);
  const h = hook as Record<string, unknown>;
  v.knownKeys(what, h, ['name', 'run', 'timeoutMs']);
  const name = v.string(`${what}.name`, h['name']);
  if (name === '') throw new TypeError(`Expected \`${what}.name\` to be a non-empty string, got \`""\``);
  if (typeof h['run'] !== 'function') throw new TypeError(`Expected \`${what}.run\` to be a function (signal) => …, got \`${v.describe(h['run'])}\``);
  const timeoutMs = v.positiveInteger(`${what}.timeoutMs`, h['timeoutMs'] ?? hookTimeoutMs);
  return { name, run: h['run'] as ResolvedHook['run'], timeoutMs };
}

/**
 * Why the plan does not fit the grace period, or undefined when it does: drain delay and every
 * hook's time limit must leave at least MIN_DRAIN_WINDOW_MS for in-flight requests.
 */
export function budgetProblem(o: Pick<ResolvedShutdownOptions, 'drainDelayMs' | 'gracePeriodMs' | 'marginMs'>, hooks: readonly ResolvedHook[]): string | undefined {
  const budget = o.gracePeriodMs - o.marginMs;
  const hooksMs = hooks.reduce((sum, h) => sum + h.timeoutMs, 0);
  const drainWindow = budget - o.drainDelayMs - hooksMs;
  if (drainWindow >= MIN_DRAIN_WINDOW_MS) return undefined;
  return (
    `the plan does not fit the grace period: drainDelayMs ${formatMs(o.drainDelayMs)} + hooks ${formatMs(hooksMs)} (${hooks.length}) leaves ` +
    `${formatMs(Math.max(0, drainWindow))} for in-flight requests within gracePeriodMs ${formatMs(o.gracePeriodMs)} - marginMs ${formatMs(o.marginMs)}; ` +
    `raise terminationGracePeriodSeconds (and gracePeriodMs), or shorten the drain delay or the hooks' timeouts`
  );
}
