// The probe server's worker thread: answers probes from the last snapshot the main thread posted,
// with the main loop's state read from shared memory, so a busy main loop never delays a probe.
import { createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import type { HealthSnapshot } from '../engine/types.js';
import { ServedLivenessRecorder } from '../forensics/served.js';
import { MetricsEndpoint, type MetricFamily, type RequestCount } from '../metrics/index.js';
import { probeRequestOf, writeResponse } from './node-handler.js';
import { PrerenderedProbes, prerenderedSlot, writePrerendered } from './prerendered.js';
import { createRenderer, loopWithinBounds } from './renderer.js';
import { SharedStamp, realNow } from './shared-stamp.js';
import { configureProbeServer } from './server-config.js';

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
}

export type ToWorker =
  | { readonly type: 'snapshot'; readonly snapshot: HealthSnapshot }
  | { readonly type: 'metrics'; readonly families: readonly MetricFamily[] }
  | { readonly type: 'close' };
export type FromWorker =
  | { readonly type: 'listening'; readonly port: number; readonly host: string }
  | { readonly type: 'requests'; readonly counts: readonly RequestCount[] }
  | { readonly type: 'error'; readonly message: string; readonly code?: string };

const data = workerData as WorkerData;
const port = parentPort!;
const stamp = new SharedStamp(data.stamp);
const renderer = createRenderer();
const prerendered = new PrerenderedProbes(realNow);
let snapshot = data.snapshot;
let mainFamilies = data.families;
const metrics = data.metrics ? new MetricsEndpoint(() => mainFamilies) : undefined;
const served = data.stateDir === undefined ? undefined : new ServedLivenessRecorder(data.stateDir);

const server = createServer((req, res) => {
  const blocked = Math.max(0, realNow() - stamp.read() - data.watchdogIntervalMs);
  // The hot path: a plain probe gets its pre-rendered answer; nothing here waits for the main thread.
  const slot = prerenderedSlot(req, data.detailsToken);
  if (slot >= 0 && loopWithinBounds(snapshot, blocked)) {
    const answer = prerendered.answer(slot, snapshot, blocked);
    writePrerendered(res, answer);
    metrics?.countAt(answer.counter);
    served?.observe(answer.request, answer.status, snapshot, blocked);
    return;
  }
  const request = probeRequestOf(req);
  const response =
    metrics?.respond(request, { snapshot, loopBlockedMs: blocked }) ??
    renderer(snapshot, request, { now: realNow(), loopBlockedMs: blocked, detailsToken: data.detailsToken });
  writeResponse(res, response);
  metrics?.countRequest(request.url, response.status);
  served?.observe(request, response.status, snapshot, blocked);
});

// The request counts go back to the main thread for health.metrics() and prom-client.
const postCounts = metrics ? setInterval(() => port.postMessage({ type: 'requests', counts: metrics.requestCounts() } satisfies FromWorker), 5000) : undefined;
postCounts?.unref();
configureProbeServer(server);

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
  if (message.type === 'snapshot') snapshot = message.snapshot;
  else if (message.type === 'metrics') mainFamilies = message.families;
  else if (message.type === 'close') {
    if (postCounts) clearInterval(postCounts);
    if (!server.listening) process.exit(0);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  }
});
