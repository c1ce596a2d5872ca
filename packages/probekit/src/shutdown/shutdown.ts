import { constants } from 'node:os';
import type { Clock } from '../engine/clock.js';
import { formatMs, toError } from '../engine/errors.js';
import { Emitter } from '../engine/listeners.js';
import * as v from '../engine/validate.js';
import { ServerDrain, type DrainableServer, type InFlightRequest } from './drain.js';
import { LISTENING_CHECK, listeningCheck } from './listening.js';
import { budgetProblem, resolveHook, resolveShutdownOptions, type ResolvedHook, type ResolvedShutdownOptions, type ShutdownOptions, type WebSocketCloser } from './options.js';

/** What the shutdown needs from the health: `Health` and `HealthEngine` both fit. */
export interface ShutdownHealth {
  beginShutdown(): void;
  /** Used by `uncaughtErrors` to fail liveness. */
  fatal?(reason: string): void;
  /** Used by `checkServers` to add the `listening` readiness check. */
  readiness?(name: string, check: (signal: AbortSignal) => Promise<void>): unknown;
  /** Called last, to stop checks and the probe server. */
  close?(): Promise<void> | void;
  stop?(): void;
}

/** The phases, in order. */
export type ShutdownPhase = 'begin' | 'drain-delay' | 'stop-accepting' | 'drained' | 'hooks' | 'exit';

/** Close code 1001 (RFC 6455 §7.4.1): the endpoint is going away, as a server going down. */
export const WS_GOING_AWAY = 1001;

export interface ShutdownEvents {
  /** A phase started. `elapsedMs` counts from the first signal (or `shutdown()` call). */
  phase: (event: { readonly phase: ShutdownPhase; readonly elapsedMs: number; readonly reason: string }) => void;
  /** A hook settled. */
  hook: (event: { readonly name: string; readonly outcome: 'ok' | 'failed' | 'timeout'; readonly durationMs: number; readonly error?: Error }) => void;
  /** About to exit; `pending` names what was cut short (empty on a clean exit). */
  exit: (event: { readonly code: number; readonly elapsedMs: number; readonly pending: readonly string[] }) => void;
}

/** The exit code when something was cut short: a request destroyed, a hook that threw or timed out, the grace period used up. */
export const EXIT_INCOMPLETE = 1;

/** The graceful shutdown sequence of one process; see docs/shutdown.md for the timeline. */
export class Shutdown {
  readonly #health: ShutdownHealth;
  readonly #o: ResolvedShutdownOptions;
  readonly #voice: ShutdownVoice;
  readonly #clock: Clock;
  readonly #hooks: ResolvedHook[];
  readonly #drains: ServerDrain[] = [];
  readonly #events = new Emitter<ShutdownEvents>(['phase', 'hook', 'exit']);
  readonly #onSignal = (signal: string): void => this.#signal(signal);
  readonly #onUncaughtException = (error: unknown): void => this.#uncaught('uncaughtException', error);
  readonly #onUnhandledRejection = (reason: unknown): void => this.#uncaught('unhandledRejection', reason);
  #crashed = false;
  #listeningCheck = false;
  /** Servers that began listening after the drain began, closed at once: they make the exit incomplete. */
  #lateServers = 0;
  readonly #onLateListen = (address: ReturnType<DrainableServer['address']>): void => {
    this.#lateServers += 1;
    const where = describeAddress(address);
    this.#o.logger.error(
      `a server began listening on ${where} ${this.#elapsed()} into the shutdown (phase ${this.#phase ?? 'begin'}), after it stopped accepting: closed it at once, so it served nothing. Start servers before awaiting slow startup work, or skip listen() once shutdown.phase is set`,
    );
    this.#pending.push(`server on ${where} (began listening during the shutdown; closed at once)`);
  };
  #installed = true;
  #signalsReceived = 0;
  #running: Promise<number> | undefined;
  #startedAt = 0;
  #phase: ShutdownPhase | undefined;
  #exited = false;
  #forced!: () => void;
  readonly #forcedPromise = new Promise<void>((resolve) => {
    this.#forced = resolve;
  });
  #currentHook: { name: string; since: number } | undefined;
  readonly #pending: string[] = [];

  /** `voice` (internal): how the sequence words its budget and its last line; drainInLifecycle hands the end over to a framework. */
  constructor(health: ShutdownHealth, options: ShutdownOptions = {}, voice: ShutdownVoice = SHUTDOWN_VOICE) {
    this.#voice = voice;
    if (health === null || typeof health !== 'object' || typeof health.beginShutdown !== 'function') {
      throw new TypeError(`Expected the first argument of shutdownOn() to be the health (createHealth()), got \`${v.describe(health)}\``);
    }
    this.#health = health;
    this.#o = resolveShutdownOptions(options);
    this.#clock = this.#o.clock;
    this.#hooks = [...this.#o.hooks];
    for (const server of this.#o.servers) this.#drains.push(new ServerDrain(server, () => this.#clock.now(), this.#onLateListen));
    for (const signal of this.#o.signals) this.#o.signalSource.on(signal, this.#onSignal);
    if (this.#o.uncaughtErrors !== 'node-default') {
      this.#o.signalSource.on('uncaughtException', this.#onUncaughtException);
      this.#o.signalSource.on('unhandledRejection', this.#onUnhandledRejection);
    }
    this.#addListeningCheck();
    this.#checkBudget();
  }

  /** The resolved options (defaults applied). */
  get options(): Omit<ResolvedShutdownOptions, 'exit' | 'signalSource' | 'logger' | 'clock'> {
    const { exit: _exit, signalSource: _signals, logger: _logger, clock: _clock, ...rest } = this.#o;
    return { ...rest, hooks: [...this.#hooks] };
  }

  /** The phase running now, or undefined before the shutdown started. */
  get phase(): ShutdownPhase | undefined {
    return this.#phase;
  }

  /** Adds a cleanup hook; hooks run in reverse registration order, so register in startup order. */
  hook(name: string, run: (signal: AbortSignal) => unknown, options: { readonly timeoutMs?: number } = {}): this {
    if (this.#running) throw new Error(`Cannot add hook \`${name}\`: the shutdown already started`);
    v.plainObject('hook options', options);
    this.#hooks.push(resolveHook(`hook \`${name}\``, { name, run, ...options }, this.#o.hookTimeoutMs));
    this.#checkBudget();
    return this;
  }

  /** Adds a server to drain (for servers created after `shutdownOn()`). */
  server(server: DrainableServer): this {
    if (this.#running) throw new Error('Cannot add a server: the shutdown already started');
    resolveShutdownOptions({ servers: [server], env: {} });
    this.#drains.push(new ServerDrain(server, () => this.#clock.now(), this.#onLateListen));
    this.#addListeningCheck();
    return this;
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends keyof ShutdownEvents>(event: K, listener: ShutdownEvents[K]): () => void {
    return this.#events.on(event, listener);
  }

  /** Runs the sequence (once, however often called) and resolves with the exit code passed to `exit`. */
  shutdown(reason = 'shutdown() called'): Promise<number> {
    this.#running ??= this.#run(reason);
    return this.#running;
  }

  /** Removes the signal handlers and server listeners; a running sequence goes on. */
  dispose(): void {
    if (!this.#installed) return;
    this.#installed = false;
    for (const signal of this.#o.signals) this.#o.signalSource.off(signal, this.#onSignal);
    this.#o.signalSource.off('uncaughtException', this.#onUncaughtException);
    this.#o.signalSource.off('unhandledRejection', this.#onUnhandledRejection);
    if (!this.#running) for (const drain of this.#drains) drain.detach();
  }

  #signal(signal: string): void {
    this.#signalsReceived += 1;
    if (!this.#running) {
      void this.shutdown(`${signal} received`);
      return;
    }
    // A signal after a programmatic shutdown() is the first signal: the sequence already runs.
    if (this.#exited || this.#signalsReceived < 2) return;
    // NOTE: a second signal means "now" (an impatient Ctrl-C, or a runtime escalating): exit as a signal death would.
    const code = 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 15);
    this.#o.logger.error(`second ${signal} received ${this.#elapsed()} into the shutdown: forcing exit with code ${code}; ${this.#describePending().join('; ') || 'nothing pending'}`);
    this.#finish(code, this.#describePending(), true);
  }

  #uncaught(kind: 'uncaughtException' | 'unhandledRejection', value: unknown): void {
    const error = toError(value);
    const reason = `${kind}: ${error.message}`;
    this.#o.logger.error(`${kind}${this.#running ? ' during the shutdown' : ''}: ${error.stack ?? error.message}`);
    if (typeof this.#health.fatal === 'function') this.#health.fatal(reason);
    if (this.#o.uncaughtErrors !== 'shutdown' || this.#running) return;
    // NOTE: the process is in an unknown state: it still drains (requests in flight on other paths may finish) but exits 1.
    this.#crashed = true;
    void this.shutdown(reason);
  }

  #addListeningCheck(): void {
    if (this.#listeningCheck || !this.#o.checkServers || this.#drains.length === 0 || typeof this.#health.readiness !== 'function') return;
    this.#listeningCheck = true;
    this.#health.readiness(LISTENING_CHECK, listeningCheck(() => this.#drains.map((d) => ({ server: d.server, watchAccepts: (w: (port: number | undefined) => void) => d.watchAccepts(w) }))));
  }

  async #run(reason: string): Promise<number> {
    const o = this.#o;
    this.#startedAt = this.#clock.now();
    const budgetMs = o.gracePeriodMs - o.marginMs;
    const deadlineAt = this.#startedAt + budgetMs;
    // NOTE: a real, ref'd timer holds the process alive until exit, even if every server closed and a hook hangs on an unref'd handle.
    const holder = setInterval(() => {}, 1 << 30);
    const deadline = this.#clock.setTimeout(() => {
      const pending = this.#describePending();
      o.logger.error(`grace period budget of ${formatMs(budgetMs)} (gracePeriodMs - marginMs) used up in phase ${this.#phase ?? 'begin'}; still pending: ${pending.join('; ') || 'nothing'}; destroying the rest`);
      this.#finish(EXIT_INCOMPLETE, pending, true);
    }, budgetMs);
    try {
      this.#enter('begin', reason);
      const budget = this.#voice.budget(budgetMs, o);
      // NOTE: kube-proxy falls back to terminating endpoints that are still serving (ready) when no endpoint is ready (KEP-1669): keepReadyDuringDrain keeps this one usable by it.
      const keepReady = o.keepReadyDuringDrain && o.drainDelayMs > 0;
      if (keepReady) {
        o.logger.info(`${reason}: readiness keeps passing through the drain delay (keepReadyDuringDrain); liveness keeps passing; ${budget}`);
      } else {
        this.#health.beginShutdown();
        o.logger.info(`${reason}: readiness now fails (liveness keeps passing); ${budget}`);
      }
      let incomplete = this.#crashed;

      if (o.drainDelayMs > 0) {
        this.#enter('drain-delay', reason);
        o.logger.info(`serving normally for ${formatMs(o.drainDelayMs)} (drainDelayMs) so endpoint removal reaches the load balancers`);
        await this.#orForced(this.#sleep(o.drainDelayMs));
        if (this.#exited) return this.#exitCode;
        if (keepReady) {
          this.#health.beginShutdown();
          o.logger.info('drain delay over: readiness now fails');
        }
      }

      this.#enter('stop-accepting', reason);
      const before = this.#drains.reduce((n, d) => n + d.inFlight().length, 0);
      const drained = Promise.all(this.#drains.map((d) => d.stopAccepting()));
      const streams = this.#drains.reduce((n, d) => n + d.endEventStreams(), 0);
      const hooksMs = this.#hooks.reduce((sum, h) => sum + h.timeoutMs, 0);
      // A closer function that hangs gets the drain's share of the budget, never the hooks'.
      const sockets = await this.#closeWebSockets(Math.max(0, deadlineAt - hooksMs - this.#clock.now()));
      if (this.#exited) return this.#exitCode;
      if (this.#closersTimedOut) incomplete = true;
      o.logger.info(
        // Long-lived connections are named only when there were some, so a plain HTTP service's line stays short.
        `stopped accepting on ${this.#drains.length} server(s); idle keep-alive connections closed; ${streams > 0 || sockets > 0 ? `${streams} event stream(s) ended; ${sockets} WebSocket(s) closed with ${WS_GOING_AWAY}; ` : ''}waiting for ${before - streams} in-flight request(s)`,
      );
      const drainWindow = Math.max(0, deadlineAt - hooksMs - this.#clock.now());
      let timedOut = false;
      await this.#orForced(Promise.race([drained, this.#sleep(drainWindow).then(() => void (timedOut = true))]));
      if (this.#exited) return this.#exitCode;
      if (timedOut) {
        const requests = this.#inFlight();
        incomplete = true;
        o.logger.error(
          `${requests.length} request(s) still in flight after waiting ${formatMs(drainWindow)} (the rest is kept for the hooks): ${describeRequests(requests, this.#clock.now())}; destroying their connections`,
        );
        this.#pending.push(...requests.map((r) => `request ${r.method} ${r.url}`));
        for (const drain of this.#drains) drain.destroy();
      }
      this.#enter('drained', reason);

      this.#enter('hooks', reason);
      for (const hook of [...this.#hooks].reverse()) {
        const ok = await this.#runHook(hook, deadlineAt);
        if (this.#exited) return this.#exitCode;
        if (!ok) incomplete = true;
      }

      // Stop checks and the probe server last: the kubelet keeps probing until the process is gone.
      // A close that hangs is ended by the deadline (exit 1), not by a sleep of our own that could
      // end a millisecond before it and exit 0.
      await this.#orForced(this.#closeHealth());
      // Stryker disable next-line ConditionalExpression: going on after a forced end only calls #finish, which returns at once on #exited, then returns the same #exitCode
      if (this.#exited) return this.#exitCode;
      this.#finish(incomplete || this.#lateServers > 0 ? EXIT_INCOMPLETE : 0, this.#pending, false);
      return this.#exitCode;
    } finally {
      this.#clock.clearTimeout(deadline);
      clearInterval(holder);
      for (const drain of this.#drains) drain.detach();
      // NOTE: the signal handlers stay, so a late signal during exit is a no-op instead of a default kill.
    }
  }

  #exitCode = 0;

  /** Closes every listed WebSocket server's connections; returns how many `ws` clients were told 1001 (socket.io closes count as their engine's client count). */
  async #closeWebSockets(limitMs: number): Promise<number> {
    let closed = 0;
    const controller = new AbortController();
    // Stryker disable next-line ArrayDeclaration: a non-promise entry settles fulfilled in a microtask, so with no function entry the race below is 'done' before the clock's timer can fire, and that timer is cleared
    const custom: Promise<unknown>[] = [];
    for (const [i, target] of this.#o.webSockets.entries()) {
      try {
        closed += closeWebSocketServer(target, controller.signal, custom);
      } catch (error) {
        this.#o.logger.warn(`closing webSockets[${i}] failed: ${toError(error).message}`);
      }
    }
    // Stryker disable next-line ConditionalExpression: without the shortcut, allSettled([]) settles in a microtask and the race is 'done' before the clock's timer can fire (it is cleared): same result, a few microtasks later
    if (custom.length === 0) return closed;
    const settled = Promise.allSettled(custom).then((results) => {
      results.forEach((r) => {
        if (r.status === 'rejected') this.#o.logger.warn(`closing WebSockets failed: ${toError(r.reason).message}`);
      });
    });
    let timer: unknown;
    // Stryker disable next-line ArrowFunction: outcome is only compared with 'timeout'; 'done' and undefined both mean the closers settled (or the sequence was forced, which the caller checks through #exited)
    const outcome = await this.#orForced(Promise.race([settled.then(() => 'done' as const), new Promise<'timeout'>((resolve) => (timer = this.#clock.setTimeout(() => resolve('timeout'), limitMs)))]));
    this.#clock.clearTimeout(timer);
    controller.abort(new Error('the shutdown moved on'));
    if (outcome === 'timeout') {
      this.#o.logger.error(`closing WebSockets (a \`webSockets\` function) did not finish within ${formatMs(limitMs)}; moving on`);
      this.#pending.push(`webSockets function (timed out after ${formatMs(limitMs)})`);
      this.#closersTimedOut = true;
    }
    return closed;
  }

  #closersTimedOut = false;

  #finish(code: number, pending: readonly string[], destroy: boolean): void {
    // Stryker disable next-line ConditionalExpression: never reached with #exited set: #signal and the sequence's end check #exited first, and the deadline timer is cleared in the sequence's finally, which runs in the microtasks right after any exit (timers never fire in between)
    if (this.#exited) return;
    this.#exited = true;
    this.#exitCode = code;
    if (destroy) for (const drain of this.#drains) drain.destroy();
    this.#enter('exit', `exit code ${code}`);
    const elapsed = this.#clock.now() - this.#startedAt;
    const log = code === 0 ? this.#o.logger.info : this.#o.logger.error;
    log.call(this.#o.logger, this.#voice.end(code, formatMs(elapsed), pending.length > 0 ? `; cut short: ${pending.join('; ')}` : ''));
    this.#emit('exit', { code, elapsedMs: elapsed, pending: [...pending] });
    this.#forced();
    this.#o.exit(code);
  }

  async #runHook(hook: ResolvedHook, deadlineAt: number): Promise<boolean> {
    const start = this.#clock.now();
    const limit = Math.max(0, Math.min(hook.timeoutMs, deadlineAt - start));
    const controller = new AbortController();
    this.#currentHook = { name: hook.name, since: start };
    let timer: unknown;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve('timeout'), limit);
    });
    const outcome = await this.#orForced(
      Promise.race([
        Promise.resolve()
          .then(() => hook.run(controller.signal))
          .then(
            () => ({ ok: true as const }),
            (error: unknown) => ({ ok: false as const, error: toError(error) }),
          ),
        timeout,
      ]),
    );
    this.#clock.clearTimeout(timer);
    this.#currentHook = undefined;
    // Stryker disable next-line BooleanLiteral: outcome is undefined only after a forced end, and the caller returns on #exited before reading the result
    if (outcome === undefined) return false;
    const durationMs = this.#clock.now() - start;
    if (outcome === 'timeout') {
      controller.abort(new Error(`hook \`${hook.name}\` timed out after ${formatMs(limit)}`));
      this.#o.logger.error(`hook "${hook.name}" timed out after ${formatMs(limit)}; moving on`);
      this.#pending.push(`hook "${hook.name}" (timed out after ${formatMs(limit)})`);
      this.#emit('hook', { name: hook.name, outcome: 'timeout', durationMs });
      return false;
    }
    if (!outcome.ok) {
      this.#o.logger.error(`hook "${hook.name}" failed after ${formatMs(durationMs)}: ${outcome.error.message}`);
      this.#pending.push(`hook "${hook.name}" (failed: ${outcome.error.message})`);
      this.#emit('hook', { name: hook.name, outcome: 'failed', durationMs, error: outcome.error });
      return false;
    }
    this.#o.logger.info(`hook "${hook.name}" done in ${formatMs(durationMs)}`);
    this.#emit('hook', { name: hook.name, outcome: 'ok', durationMs });
    return true;
  }

  async #closeHealth(): Promise<void> {
    try {
      if (typeof this.#health.close === 'function') await this.#health.close();
      else this.#health.stop?.();
    } catch (error) {
      this.#o.logger.warn(`closing the health failed: ${toError(error).message}`);
    }
  }

  #inFlight(): InFlightRequest[] {
    return this.#drains.flatMap((d) => d.inFlight()).sort((a, b) => a.since - b.since);
  }

  #describePending(): string[] {
    const out: string[] = [];
    if (this.#currentHook) out.push(`hook "${this.#currentHook.name}" (running ${formatMs(this.#clock.now() - this.#currentHook.since)})`);
    const requests = this.#inFlight();
    if (requests.length > 0) out.push(`${requests.length} request(s): ${describeRequests(requests, this.#clock.now())}`);
    return out;
  }

  #enter(phase: ShutdownPhase, reason: string): void {
    this.#phase = phase;
    this.#emit('phase', { phase, elapsedMs: this.#clock.now() - this.#startedAt, reason });
  }

  #elapsed(): string {
    return formatMs(this.#clock.now() - this.#startedAt);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(resolve, ms);
      // Cleared if the sequence is forced to end first, so no timer outlives the shutdown.
      void this.#forcedPromise.then(() => this.#clock.clearTimeout(timer));
    });
  }

  /** Resolves with the promise's value, or undefined once the sequence was forced to end. */
  #orForced<T>(promise: Promise<T>): Promise<T | undefined> {
    return Promise.race([promise, this.#forcedPromise.then(() => undefined)]);
  }

  #checkBudget(): void {
    const problem = budgetProblem(this.#o, this.#hooks);
    if (problem) this.#o.logger.warn(problem);
  }

  #emit<K extends keyof ShutdownEvents>(event: K, payload: Parameters<ShutdownEvents[K]>[0]): void {
    this.#events.emit(event, payload);
  }
}

function describeAddress(address: ReturnType<DrainableServer['address']>): string {
  if (address === null) return 'an unknown address';
  if (typeof address === 'string') return address;
  return `${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
}

function describeRequests(requests: readonly InFlightRequest[], now: number): string {
  const shown = requests.slice(0, 5).map((r) => `${r.method} ${r.url.slice(0, 100)} (running ${formatMs(now - r.since)})`);
  if (requests.length > shown.length) shown.push(`and ${requests.length - shown.length} more`);
  return shown.join(', ');
}

/**
 * Installs the graceful shutdown: on the first SIGTERM/SIGINT, readiness fails, the servers keep
 * serving for `drainDelayMs`, then drain, then hooks run in reverse order, then the process exits.
 */
/** How a shutdown words its budget (in the first line) and its last line. Internal. */
export interface ShutdownVoice {
  budget(budgetMs: number, options: ResolvedShutdownOptions): string;
  end(code: number, elapsed: string, cutShort: string): string;
}

const SHUTDOWN_VOICE: ShutdownVoice = {
  budget: (budgetMs, o) => `budget ${formatMs(budgetMs)} (grace period ${formatMs(o.gracePeriodMs)} - margin ${formatMs(o.marginMs)})`,
  end: (code, elapsed, cutShort) => `exiting with code ${code} after ${elapsed}${cutShort}`,
};

export function shutdownOn(health: ShutdownHealth, options: ShutdownOptions = {}): Shutdown {
  return new Shutdown(health, options);
}

/** Starts closing one `webSockets` entry; returns the connections told 1001. A function's promise goes into `pending`. */
function closeWebSocketServer(target: WebSocketCloser, signal: AbortSignal, pending: Promise<unknown>[]): number {
  if (typeof target === 'function') {
    pending.push(Promise.resolve().then(() => target(signal)));
    return 0;
  }
  if ('clients' in target) {
    let n = 0;
    for (const client of target.clients) {
      client.close(WS_GOING_AWAY, 'server shutting down');
      n += 1;
    }
    return n;
  }
  // NOTE: socket.io: closing the engine closes every client's transport; the client sees "transport close" and reconnects (a server-side disconnect() would not).
  const count = (target.engine as { clientsCount?: unknown }).clientsCount;
  target.engine.close();
  return typeof count === 'number' ? count : 0;
}
