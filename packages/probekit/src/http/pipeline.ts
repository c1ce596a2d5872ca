import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { HealthSnapshot } from '../engine/types.js';
import { probeRequestOf, writeResponse } from './node-handler.js';
import { PrerenderedProbes, prerenderedSlot } from './prerendered.js';
import type { ProbeRequest, ProbeResponse } from './render.js';
import { createRenderer } from './renderer.js';
import type { RequestCounters } from './request-counters.js';

/**
 * What a probe server answers from. The main thread reads its engine; the worker reads the last
 * snapshot posted to it and the main loop's shared stamp. Everything else is the same request
 * pipeline (`createProbeServer`).
 */
export interface ProbeSource {
  readonly detailsToken: string | undefined;
  /** How long the main event loop has been blocked; read once per request. */
  loopBlockedMs(): number;
  /** The time, for "last success 12 s ago" in full answers. */
  now(): number;
  /** A snapshot with the newest lines: all a pre-rendered answer needs (may skip decoding newer run times). */
  linesSnapshot(): HealthSnapshot;
  /** The newest snapshot. */
  snapshot(): HealthSnapshot;
  /** Counts served requests. */
  readonly counters?: RequestCounters | undefined;
  /** Answers `/statusz` (the status page); undefined for any other path, or when the page is off. */
  readonly statusPage?: ((request: ProbeRequest) => ProbeResponse | undefined) | undefined;
  /** Answers `/metrics`; undefined for any other path. */
  readonly metrics?: ((request: ProbeRequest, snapshot: HealthSnapshot, loopBlockedMs: number) => ProbeResponse | undefined) | undefined;
  /** Told about every answer (restart forensics records the `/livez` ones). */
  readonly served?: ((request: ProbeRequest, status: number, snapshot: HealthSnapshot, loopBlockedMs: number) => void) | undefined;
}

/**
 * The limits of a probe server. The kubelet sends one small GET per connection and never a body
 * (it closes after each probe), so nothing here needs to wait for a slow client for long.
 */
export const probeServerLimits = {
  /** A client that has not sent its headers by then gets 408 and the connection closes. */
  headersTimeoutMs: 3000,
  /** The whole request, body included. */
  requestTimeoutMs: 5000,
  /** An idle kept-alive connection closes after this. */
  keepAliveTimeoutMs: 1000,
  /** How often node:http looks for connections over the two timeouts above (Node's default is 30 s). */
  connectionsCheckingIntervalMs: 500,
  /** Headers beyond this count are ignored. */
  maxHeadersCount: 64,
  /** A request head larger than this gets 431. */
  maxHeaderSize: 8192,
} as const;

/** A node:http server answering probes (and `/metrics`) from `source`. It holds no state beyond caches. */
export function createProbeServer(source: ProbeSource): Server {
  const renderer = createRenderer();
  const prerendered = new PrerenderedProbes(() => source.now());
  const { counters, metrics, served, statusPage, detailsToken } = source;
  const server = createServer(
    { connectionsCheckingInterval: probeServerLimits.connectionsCheckingIntervalMs, maxHeaderSize: probeServerLimits.maxHeaderSize },
    (req, res) => {
      // NOTE: a probe never needs a body. Closing the connection after the answer makes node:http
      // stop reading; kept alive, it would read and discard a body of any size until it ended.
      if (hasBody(req)) res.shouldKeepAlive = false;
      const blocked = source.loopBlockedMs();
      // The hot path: a plain probe gets its pre-rendered answer.
      const slot = prerenderedSlot(req, detailsToken);
      if (slot >= 0) {
        const snapshot = source.linesSnapshot();
        const answer = prerendered.serve(res, slot, snapshot, blocked);
        if (answer) {
          counters?.countAt(answer.counter);
          served?.(answer.request, answer.status, snapshot, blocked);
          return;
        }
      }
      const snapshot = source.snapshot();
      const request = probeRequestOf(req);
      const response =
        statusPage?.(request) ?? metrics?.(request, snapshot, blocked) ?? renderer(snapshot, request, { now: source.now(), loopBlockedMs: blocked, detailsToken });
      writeResponse(res, response);
      counters?.countRequest(request.url, response.status);
      served?.(request, response.status, snapshot, blocked);
    },
  );
  server.headersTimeout = probeServerLimits.headersTimeoutMs;
  server.requestTimeout = probeServerLimits.requestTimeoutMs;
  server.keepAliveTimeout = probeServerLimits.keepAliveTimeoutMs;
  server.maxHeadersCount = probeServerLimits.maxHeadersCount;
  return server;
}

/** The request announces a body: a `Transfer-Encoding`, or a `Content-Length` other than 0. */
export function hasBody(req: IncomingMessage): boolean {
  // Scanned in the raw list, as prerenderedSlot does: building `req.headers` costs the hot path.
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return true;
    if (name.length === 14 && name.toLowerCase() === 'content-length' && raw[i + 1]!.trim() !== '0') return true;
  }
  return false;
}
