import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENGINE_KEYS, HealthEngine, type EngineOptions } from './engine/engine.js';
import { HealthClosedError } from './engine/errors.js';
import * as v from './engine/validate.js';
import { probeRequestOf, requestTargetOf, toFetchResponse, writeResponse } from './http/node-handler.js';
import type { ProbeRequest, ProbeResponse } from './http/render.js';
import { createRenderer } from './http/renderer.js';
import { RequestCounters } from './http/request-counters.js';
import type { ShutdownOptions } from './shutdown/options.js';
import { shutdownOn as installShutdown, type Shutdown } from './shutdown/shutdown.js';
import { listenOnMain, listenOnWorker, type ProbeServer, type ProbeServerSettings, type ProbeThread } from './http/server.js';
import { attachForensics, type Forensics, type ForensicsOptions } from './forensics/forensics.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import type { MetricsOptions } from './metrics/collector.js';
import { attachLogger, type HealthLogger } from './observe/attach.js';
import type { LogLine } from './observe/lines.js';
import { toLogFn, type LoggerLike } from './observe/logger.js';
import type { ShutdownLogger } from './shutdown/options.js';

/** Options of `health.listen()`. Explicit options win over environment variables, which win over defaults. */
export interface ListenOptions {
  /** Port of the probe server; 0 picks a free one. @default `PROBEKIT_PORT` or 8081 */
  readonly port?: number;
  /** Interface to bind. @default `PROBEKIT_HOST` or `'0.0.0.0'` */
  readonly host?: string;
  /** `'worker'` answers probes from a worker thread even while the main loop is blocked; `'main'` from the main loop. @default 'worker' */
  readonly thread?: ProbeThread;
  /** Requests with `Authorization: Bearer <token>` see reasons and measurements, and the status page `/statusz` is served. @default `PROBEKIT_DETAILS_TOKEN` or none (nobody sees details; no status page) */
  readonly detailsToken?: string;
}

/** Options of `createHealth()`: the engine's, plus the deploy-time settings of the HTTP side. */
export interface HealthOptions extends EngineOptions, ListenOptions {
  /** Where deploy-time settings are read from, once, at construction. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Logs one line per transition, startup and shutdown: console, pino, bunyan, winston. @default none */
  readonly logger?: LoggerLike;
  /** Options of the metrics behind `/metrics` and `health.metrics()`. @default {} */
  readonly metrics?: MetricsOptions;
  /**
   * Restart forensics (docs/forensics.md): records liveness into `stateDir` (an `emptyDir` volume)
   * from the main thread and from the probe server, and says at start why the previous container
   * ended. Attached at construction; `health.forensics()` resolves with it. `log` defaults to `logger`.
   * @default none
   */
  readonly forensics?: ForensicsOptions;
}

export const listenDefaults = { port: 8081, host: '0.0.0.0', thread: 'worker' } as const satisfies Required<Omit<ListenOptions, 'detailsToken'>>;

const HTTP_KEYS = ['port', 'host', 'thread', 'detailsToken', 'env', 'logger', 'metrics', 'forensics'] as const;
const LISTEN_KEYS = ['port', 'host', 'thread', 'detailsToken'] as const;

/** The health of a service: the engine plus its HTTP faces (probe server, node:http handler, fetch handler). */
export class Health extends HealthEngine {
  readonly #settings: ProbeServerSettings;
  readonly #renderer = createRenderer();
  readonly #servers = new Set<ProbeServer>();
  readonly #metrics: Metrics;
  /** The requests this instance's probe servers served (a worker posts its counts here). */
  readonly #requests = new RequestCounters();
  readonly #logger: HealthLogger | undefined;
  readonly #shutdownLogger: ShutdownLogger | undefined;
  readonly #forensics: Promise<Forensics> | undefined;

  constructor(options: HealthOptions = {}) {
    v.plainObject('options', options);
    v.knownKeys('createHealth() options', options, [...ENGINE_KEYS, ...HTTP_KEYS]);
    const engineOptions: Record<string, unknown> = {};
    const httpOptions: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      ((HTTP_KEYS as readonly string[]).includes(key) ? httpOptions : engineOptions)[key] = value;
    }
    super(engineOptions as EngineOptions);
    const env = (httpOptions['env'] as HealthOptions['env']) ?? process.env;
    this.#settings = resolveListen({ ...fromEnv(env), ...withoutUndefined(httpOptions) }, 'createHealth() options');
    this.#metrics = createMetrics(this, (httpOptions['metrics'] as MetricsOptions | undefined) ?? {}, () => this.#requests.all());
    const logger = httpOptions['logger'] as LoggerLike | undefined;
    this.#logger = logger === undefined ? undefined : attachLogger(this, logger);
    this.#shutdownLogger = logger === undefined ? undefined : shutdownLoggerOf(logger);
    const forensics = httpOptions['forensics'] as ForensicsOptions | undefined;
    if (forensics !== undefined) {
      v.plainObject('forensics', forensics);
      const shared = this.#logger;
      const log = forensics.log ?? (shared === undefined ? undefined : (line: LogLine) => shared.log(line));
      this.#forensics = attachForensics(this, log === undefined ? forensics : { ...forensics, log }).then((attached) => {
        this.#metrics.collector.addSource(attached.families);
        return attached;
      });
      // NOTE: a failure surfaces from listen() and forensics(), never as an unhandled rejection.
      this.#forensics.catch(() => {});
    }
  }

  /** The restart forensics of `createHealth({ forensics })` once attached, or undefined without that option. */
  async forensics(): Promise<Forensics | undefined> {
    return this.#forensics;
  }

  /** This instance's metrics in the Prometheus text format, or OpenMetrics when `accept` asks for it. */
  metrics(accept?: string): string {
    return this.#metrics.render(accept).body;
  }

  /** Where a server of your own counts the probe requests it serves, so `/metrics` and `health.metrics()` show them. */
  get requestCounters(): RequestCounters {
    return this.#requests;
  }

  /** The metrics object behind `/metrics` (for prom-client: `registerProbekitMetrics(health, { registry, metrics: health.metricsSource })`). */
  get metricsSource(): Metrics {
    return this.#metrics;
  }

  /** The resolved probe-server settings (after options and environment). */
  get settings(): ProbeServerSettings {
    return this.#settings;
  }

  /** Renders the answer to a probe request from the current snapshot, on the calling thread. */
  render(request: ProbeRequest): ProbeResponse {
    return this.#renderer(this.snapshot(), request, {
      now: this.clock.now(),
      loopBlockedMs: this.loopBlockedMs(),
      detailsToken: this.#settings.detailsToken,
    });
  }

  /** A node:http request handler serving the probe endpoints (404 for other paths). */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    writeResponse(res, this.render(probeRequestOf(req)));
  };

  /** A fetch-style handler serving the probe endpoints, for Hono, Bun, Deno and friends. */
  readonly fetch = (request: Request): Promise<Response> => {
    const probeRequest: ProbeRequest = {
      method: request.method,
      url: requestTargetOf(request),
      accept: request.headers.get('accept') ?? undefined,
      authorization: request.headers.get('authorization') ?? undefined,
    };
    return Promise.resolve(toFetchResponse(request.method, this.render(probeRequest)));
  };

  /** Starts the standalone probe server. It never keeps the process alive on its own. */
  async listen(options: ListenOptions = {}): Promise<ProbeServer> {
    v.plainObject('listen() options', options);
    v.knownKeys('listen() options', options, LISTEN_KEYS);
    if (this.closed) throw new HealthClosedError();
    const forensics = await this.#forensics;
    const settings = resolveListen({ ...this.#settings, ...withoutUndefined(options as Record<string, unknown>) }, 'listen() options');
    const server =
      settings.thread === 'worker'
        ? await listenOnWorker(this, settings, this.#metrics, this.#requests, forensics?.stateDir)
        : await listenOnMain(this, settings, this.#metrics, this.#requests);
    this.#servers.add(server);
    const close = server.close.bind(server);
    return Object.assign(server, {
      close: async () => {
        this.#servers.delete(server);
        await close();
      },
    });
  }

  /** Installs the graceful shutdown (signal → readiness off → drain delay → drain → hooks → exit); see docs/shutdown.md. */
  shutdownOn(options: ShutdownOptions = {}): Shutdown {
    return installShutdown(this, { clock: this.clock, ...(this.#shutdownLogger === undefined ? {} : { logger: this.#shutdownLogger }), ...options });
  }

  /** Stops every check, timer and probe server. Idempotent. */
  async close(): Promise<void> {
    this.stop();
    await Promise.all([...this.#servers].map((server) => server.close()));
    this.#servers.clear();
    this.#metrics.close();
    this.#logger?.detach();
    (await this.#forensics?.catch(() => undefined))?.close();
  }
}

/** The shutdown sequence's logger from the one given to createHealth(). */
function shutdownLoggerOf(logger: LoggerLike): ShutdownLogger {
  const log = toLogFn(logger);
  const fields = { event: 'probekit.shutdown' };
  return { info: (m) => log('info', m, fields), warn: (m) => log('warn', m, fields), error: (m) => log('error', m, fields) };
}

/** Creates the health of a service. Nothing runs until you call it; it reads the environment once, here. */
export function createHealth(options: HealthOptions = {}): Health {
  return new Health(options);
}

function fromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const port = env['PROBEKIT_PORT'];
  if (port !== undefined && port !== '') {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
      throw new TypeError(`Expected environment variable \`PROBEKIT_PORT\` to be a port number (0-65535), got \`${JSON.stringify(port)}\``);
    }
    out['port'] = Number(port);
  }
  if (env['PROBEKIT_HOST']) out['host'] = env['PROBEKIT_HOST'];
  if (env['PROBEKIT_DETAILS_TOKEN']) out['detailsToken'] = env['PROBEKIT_DETAILS_TOKEN'];
  if (env['PROBEKIT_THREAD']) {
    out['thread'] = v.oneOf('PROBEKIT_THREAD', env['PROBEKIT_THREAD'], ['worker', 'main'] as const);
  }
  return out;
}

function resolveListen(input: Record<string, unknown>, what: string): ProbeServerSettings {
  const o = { ...listenDefaults, ...input };
  const port = o.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`Expected \`port\` in ${what} to be an integer from 0 to 65535, got \`${v.describe(port)}\``);
  }
  const host = v.string('host', o.host);
  const thread = v.oneOf('thread', o.thread, ['worker', 'main'] as const);
  const token = input['detailsToken'];
  if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
    throw new TypeError(`Expected \`detailsToken\` to be a string of at least 8 characters, got \`${typeof token === 'string' ? `a ${token.length}-character string` : v.describe(token)}\``);
  }
  // NOTE: the token is matched as the one word after `Bearer`: one with whitespace could never match.
  if (typeof token === 'string' && /[^\x21-\x7e]/.test(token)) {
    throw new TypeError(`Expected \`detailsToken\` to be printable ASCII without spaces (what an Authorization header carries), got a ${token.length}-character string with ${/\s/.test(token) ? 'whitespace' : 'other characters'}`);
  }
  return { port, host, thread, detailsToken: token as string | undefined };
}

/** The HTTP settings given: without `undefined` fields and without `env` (read once, above). */
function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  const { env: _env, forensics: _forensics, logger: _logger, metrics: _metrics, ...rest } = value;
  return v.withoutUndefined(rest);
}
