// The probe server's worker thread: answers probes from the last snapshot the main thread posted,
// with the main loop's state read from shared memory, so a busy main loop never delays a probe.
import { deserialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { HealthSnapshot } from '../engine/types.js';
import { ServedLivenessRecorder } from '../forensics/served.js';
import { MetricsEndpoint } from '../metrics/endpoint.js';
import type { MetricFamily, RequestCount } from '../metrics/model.js';
import { createProbeServer } from './pipeline.js';
import { RequestCounters } from './request-counters.js';
import { SharedStamp, realNow } from './shared-stamp.js';
import { ReceivedHistory, type StatusHistoryData } from './status-history.js';
import { respondStatusPage, type StatusContext } from './status-page.js';

export interface WorkerData {
  readonly stamp: SharedArrayBuffer;
  readonly watchdogIntervalMs: number;
  readonly port: number;
  readonly host: string;
  readonly detailsToken: string | undefined;
  readonly snapshot: HealthSnapshot;
  /** Serve /metrics and count requests. */
  readonly metrics: boolean;
  /** The main thread's accumulated metric families at spawn time. */
  readonly families: readonly MetricFamily[];
  /** Restart forensics: record the /livez answers served here (see attachForensics). */
  readonly stateDir: string | undefined;
  /** The status page's check histories at spawn time (only while a details token is configured). */
  readonly history: StatusHistoryData | undefined;
}

/**
 * Snapshots and families arrive `v8.serialize`d and are decoded only when a request reads them:
 * most snapshots are replaced before any request needs them (checks run more often than the
 * kubelet probes) and families are read only by a scrape.
 */
export type ToWorker =
  /** `sameLines`: the snapshot gives every probe the same lines as the one posted before it. */
  | { readonly type: 'snapshot'; readonly encoded: Uint8Array; readonly sameLines: boolean }
  /** `history`: the status page's check histories, sent with the families while a details token is configured. */
  | { readonly type: 'metrics'; readonly encoded: Uint8Array; readonly history?: Uint8Array }
  | { readonly type: 'close' };
export type FromWorker =
  | { readonly type: 'listening'; readonly port: number; readonly host: string }
  | { readonly type: 'requests'; readonly counts: readonly RequestCount[] }
  /** `/metrics` or the status page's data was served: the main thread posts families on every change for a while. */
  | { readonly type: 'scraped' }
  | { readonly type: 'error'; readonly message: string; readonly code?: string };

const data = workerData as WorkerData;
const port = parentPort!;
const stamp = new SharedStamp(data.stamp);
let snapshot = data.snapshot;
/** The newest snapshot posted, not decoded yet. */
let encodedSnapshot: Uint8Array | undefined;
/** Some snapshot posted since the last decode changed a probe's lines, so the pre-rendered answers need it. */
let linesMoved = false;
let mainFamilies = data.families;
let encodedFamilies: Uint8Array | undefined;
const counters = data.metrics ? new RequestCounters() : undefined;
const metrics = counters && new MetricsEndpoint(() => families(), () => counters.requestCounts());
const served = data.stateDir === undefined ? undefined : new ServedLivenessRecorder(data.stateDir);
const history = new ReceivedHistory(data.history);

function currentSnapshot(): HealthSnapshot {
  if (encodedSnapshot !== undefined) {
    snapshot = deserialize(encodedSnapshot) as HealthSnapshot;
    encodedSnapshot = undefined;
    linesMoved = false;
  }
  return snapshot;
}

function families(): readonly MetricFamily[] {
  if (encodedFamilies !== undefined) {
    mainFamilies = deserialize(encodedFamilies) as MetricFamily[];
    encodedFamilies = undefined;
  }
  return mainFamilies;
}

const loopBlockedMs = (): number => Math.max(0, stamp.ageMs(realNow()) - data.watchdogIntervalMs);
const server = createProbeServer({
  detailsToken: data.detailsToken,
  // Nothing here waits for the main thread: its loop state is a stamp in shared memory.
  loopBlockedMs,
  now: realNow,
  linesSnapshot: () => (linesMoved ? currentSnapshot() : snapshot),
  snapshot: currentSnapshot,
  counters,
  statusPage: (request) => {
    const status = (): StatusContext => ({
      snapshot: currentSnapshot(),
      now: realNow(),
      loopBlockedMs: loopBlockedMs(),
      thread: 'worker',
      detailsToken: data.detailsToken,
      history: history.read(),
      requests: counters?.requestCounts() ?? [],
    });
    const response = respondStatusPage(request, status, data.detailsToken);
    // Reading the page's data keeps the history (and families) flowing from the main thread.
    if (response?.status === 200) scraped();
    return response;
  },
  metrics:
    metrics &&
    ((request, current, loopBlockedMs) => {
      const response = metrics.respond(request, { snapshot: current, loopBlockedMs });
      if (response?.status === 200) scraped();
      return response;
    }),
  served: served && ((request, status, current, loopBlockedMs) => served.observe(request, status, current, loopBlockedMs)),
});

let scrapedPostedAt = -Infinity;
/** Tells the main thread about a scrape, at most once a second. */
function scraped(): void {
  const now = realNow();
  if (now - scrapedPostedAt < 1000) return;
  scrapedPostedAt = now;
  port.postMessage({ type: 'scraped' } satisfies FromWorker);
}

// The request counts go back to the main thread for health.metrics() and prom-client.
let postedTotal = 0;
const postCounts = counters
  ? setInterval(() => {
      if (counters.total === postedTotal) return;
      postedTotal = counters.total;
      port.postMessage({ type: 'requests', counts: counters.requestCounts() } satisfies FromWorker);
    }, 5000)
  : undefined;
postCounts?.unref();

server.once('error', (error: NodeJS.ErrnoException) => {
  const message: FromWorker = { type: 'error', message: error.message, ...(error.code ? { code: error.code } : {}) };
  port.postMessage(message);
  process.exit(1);
});

server.listen(data.port, data.host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : data.port;
  const message: FromWorker = { type: 'listening', port: bound, host: data.host };
  port.postMessage(message);
});

port.on('message', (message: ToWorker) => {
  if (message.type === 'snapshot') {
    encodedSnapshot = message.encoded;
    if (!message.sameLines) linesMoved = true;
  } else if (message.type === 'metrics') {
    encodedFamilies = message.encoded;
    if (message.history) history.receive(message.history);
  }
  else if (message.type === 'close') {
    if (postCounts) clearInterval(postCounts);
    if (!server.listening) process.exit(0);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  }
});
