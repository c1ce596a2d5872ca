import { createHash } from 'node:crypto';
import type { HealthEngine } from '../engine/engine.js';
import { evaluate } from '../engine/evaluate.js';
import type { CheckKind, CheckStatus, HealthSnapshot, ProbeKind, RunResult } from '../engine/types.js';
import type { RequestCount } from '../metrics/model.js';
import type { RequestCounters } from './request-counters.js';
import { authorized, type ProbeRequest, type ProbeResponse } from './render.js';
import { STATUS_PAGE_HTML, STATUS_PAGE_SCRIPT, STATUS_PAGE_STYLE } from './status-page-html.js';
import { STATUS_HISTORY_LENGTH, StatusHistory, type LastTransition, type RecentRun, type StatusHistoryData } from './status-history.js';
import { ENDPOINT_NAMES } from './endpoints.js';

export const STATUS_PATH = '/statusz';

/** What the page shows besides the snapshot: the serving thread knows these. */
export interface StatusContext {
  readonly snapshot: HealthSnapshot;
  /** Current time on the snapshot's clock. */
  readonly now: number;
  readonly loopBlockedMs: number;
  readonly thread: 'worker' | 'main';
  /** The page is served only when a token is configured, and only to a request presenting it. */
  readonly detailsToken: string | undefined;
  readonly history: StatusHistoryData | undefined;
  /** Requests the probe server answered, by endpoint and code. */
  readonly requests: readonly RequestCount[];
}

export interface ProbeState {
  readonly endpoint: 'startupz' | 'livez' | 'readyz';
  readonly ok: boolean;
  /** Lines that fail it (a check, or a built-in line such as `eventloop` or `shutdown`). */
  readonly failing: readonly string[];
}

export interface CheckState {
  readonly name: string;
  readonly kind: CheckKind;
  readonly probes: readonly ProbeKind[];
  readonly status: CheckStatus;
  readonly critical: boolean;
  readonly reason?: string;
  readonly lastRun?: RunResult;
  readonly lastSuccessAt?: number;
  readonly consecutiveFailures: number;
  readonly runs: number;
  /** Oldest first. */
  readonly recent: readonly RecentRun[];
  readonly transition?: LastTransition;
}

/** The page's data (`/statusz?format=json`); times are on the snapshot's clock, so ages are `now - at`. */
export interface StatusView {
  readonly now: number;
  readonly thread: 'worker' | 'main';
  readonly loopBlockedMs: number;
  /** The bounds that fail readiness and liveness (0: off). */
  readonly maxLagMs: number;
  readonly maxBlockMs: number;
  readonly started: boolean;
  readonly startedAt?: number;
  readonly shuttingDown: boolean;
  readonly probes: readonly ProbeState[];
  readonly checks: readonly CheckState[];
  readonly requests: readonly RequestCount[];
  readonly historyLength: number;
}

const PROBES = (['startup', 'liveness', 'readiness'] as const).map((probe) => [ENDPOINT_NAMES[probe] as ProbeState['endpoint'], probe] as const);

/** The page's data, computed from a snapshot, the check histories and the request counts. */
export function statusView(context: Omit<StatusContext, 'detailsToken'>): StatusView {
  const { snapshot, loopBlockedMs } = context;
  const probes = PROBES.map(([endpoint, probe]): ProbeState => {
    const verdict = evaluate(snapshot, probe, { loopBlockedMs });
    return { endpoint, ok: verdict.ok, failing: verdict.lines.filter((line) => line.status === 'fail').map((line) => line.name) };
  });
  const checks = snapshot.checks.map((check): CheckState => {
    // NOTE: own keys only: a check named like an Object.prototype member (`toString`) whose history has not arrived yet has none.
    const history = context.history !== undefined && Object.hasOwn(context.history, check.name) ? context.history[check.name] : undefined;
    return {
      name: check.name,
      kind: check.kind,
      probes: check.probes,
      status: check.status,
      critical: check.critical,
      ...(check.reason === undefined ? {} : { reason: check.reason }),
      ...(check.lastRun === undefined ? {} : { lastRun: check.lastRun }),
      ...(check.lastSuccessAt === undefined ? {} : { lastSuccessAt: check.lastSuccessAt }),
      consecutiveFailures: check.consecutiveFailures,
      runs: check.runs,
      recent: history?.recent ?? [],
      ...(history?.transition ? { transition: history.transition } : {}),
    };
  });
  return {
    now: context.now,
    thread: context.thread,
    loopBlockedMs,
    maxLagMs: snapshot.maxLagMs,
    maxBlockMs: snapshot.maxBlockMs,
    started: snapshot.started,
    ...(snapshot.startedAt === undefined ? {} : { startedAt: snapshot.startedAt }),
    shuttingDown: snapshot.shuttingDown,
    probes,
    checks,
    requests: context.requests,
    historyLength: STATUS_HISTORY_LENGTH,
  };
}

/** The request-target is `/statusz`, with or without a query. */
export function isStatusPath(url: string): boolean {
  return url.startsWith(STATUS_PATH) && (url.length === STATUS_PATH.length || url.charCodeAt(STATUS_PATH.length) === 0x3f); // '?'
}

const COMMON = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;
let csp: string | undefined;

/** Only the page's own inline script and style run; it may fetch only from where it came from. */
function contentSecurityPolicy(): string {
  const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  csp ??= [
    "default-src 'none'",
    `script-src ${hash(STATUS_PAGE_SCRIPT)}`,
    `style-src ${hash(STATUS_PAGE_STYLE)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return csp;
}

/** The token presented as `Authorization: Bearer …` or, for a browser address bar, as `?token=…`. */
function presentsToken(request: ProbeRequest, query: URLSearchParams, token: string): boolean {
  if (authorized(request.authorization, token)) return true;
  const fromQuery = query.get('token');
  return fromQuery !== null && fromQuery !== '' && authorized(`Bearer ${fromQuery}`, token);
}

/**
 * The answer for `/statusz` (the page, or its data with `?format=json`), or undefined for any other
 * path and whenever no details token is configured (the page is off: the probe renderer answers 404).
 * `context` is a function so that nothing is computed for other paths.
 */
export function respondStatusPage(request: ProbeRequest, context: () => StatusContext, detailsToken: string | undefined): ProbeResponse | undefined {
  if (detailsToken === undefined || !isStatusPath(request.url)) return undefined;
  const head = request.method === 'HEAD';
  if (request.method !== 'GET' && !head) {
    return text(405, 'method not allowed\n', false, { allow: 'GET, HEAD' });
  }
  const q = request.url.indexOf('?');
  const query = new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1));
  if (!presentsToken(request, query, detailsToken)) {
    return text(401, 'the status page needs the details token: Authorization: Bearer <token>, or ?token=<token>\n', head, { 'www-authenticate': 'Bearer realm="probekit"' });
  }
  if (query.get('format') === 'json') {
    const body = JSON.stringify(statusView(context()));
    return { status: 200, headers: { ...COMMON, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) }, body: head ? '' : body };
  }
  return {
    status: 200,
    headers: {
      ...COMMON,
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(Buffer.byteLength(STATUS_PAGE_HTML)),
      'content-security-policy': contentSecurityPolicy(),
      'x-frame-options': 'DENY',
    },
    body: head ? '' : STATUS_PAGE_HTML,
  };
}

function text(status: number, body: string, head: boolean, extra: Readonly<Record<string, string>>): ProbeResponse {
  return {
    status,
    headers: { ...COMMON, ...extra, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) },
    body: head ? '' : body,
  };
}

/** The status page of a probe server on the main loop: keeps the history while a details token is configured. */
export function mainThreadStatusPage(engine: HealthEngine, detailsToken: string | undefined, counters: RequestCounters | undefined): { respond(request: ProbeRequest): ProbeResponse | undefined; close(): void } {
  const history = detailsToken === undefined ? undefined : new StatusHistory(engine);
  const context = (): StatusContext => ({
    snapshot: engine.snapshot(),
    now: engine.clock.now(),
    loopBlockedMs: engine.loopBlockedMs(),
    thread: 'main',
    detailsToken,
    history: history?.read(),
    requests: counters?.all() ?? [],
  });
  return {
    respond: (request) => respondStatusPage(request, context, detailsToken),
    close: () => history?.close(),
  };
}
