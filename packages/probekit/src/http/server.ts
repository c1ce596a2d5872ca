import { createServer, type Server } from 'node:http';
import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { realClock } from '../engine/clock.js';
import type { HealthEngine } from '../engine/engine.js';
import { sameLines } from '../engine/evaluate.js';
import type { HealthSnapshot } from '../engine/types.js';
import type { Metrics } from '../metrics/index.js';
import type { MetricFamily } from '../metrics/model.js';
import { probeRequestOf, writeResponse } from './node-handler.js';
import { PrerenderedProbes, prerenderedSlot } from './prerendered.js';
import { createRenderer } from './renderer.js';
import { configureProbeServer } from './server-config.js';
import { SharedStamp, realNow } from './shared-stamp.js';
import { StatusHistory, encodeHistory } from './status-history.js';
import { mainThreadStatusPage } from './status-page.js';
import type { FromWorker, ToWorker, WorkerData } from './worker.js';

export type ProbeThread = 'worker' | 'main';

/** Resolved settings of a probe server. */
export interface ProbeServerSettings {
  readonly port: number;
  readonly host: string;
  readonly thread: ProbeThread;
  readonly detailsToken: string | undefined;
}

/** A running probe server. */
export interface ProbeServer {
  /** The bound port (useful with `port: 0`). */
  readonly port: number;
  readonly host: string;
  readonly thread: ProbeThread;
  /** `http://host:port`, with `127.0.0.1` for a wildcard host. */
  readonly url: string;
  /** Stops answering and frees the port. Idempotent. */
  close(): Promise<void>;
}

/** Internal: the worker, so tests can kill it and see it restarted. */
export const kWorker = Symbol('probekit.worker');

/** The URL a client on this machine reaches the server at (a wildcard bind shown as 127.0.0.1). */
function baseUrlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** Serves probes from the main event loop. */
export async function listenOnMain(engine: HealthEngine, settings: ProbeServerSettings, metrics?: Metrics): Promise<ProbeServer> {
  const renderer = createRenderer();
  const prerendered = new PrerenderedProbes(() => engine.clock.now());
  const statusPage = mainThreadStatusPage(engine, settings.detailsToken, metrics);
  const server = createServer((req, res) => {
    const slot = prerenderedSlot(req, settings.detailsToken);
    if (slot >= 0) {
      const answer = prerendered.serve(res, slot, engine.snapshot(), engine.loopBlockedMs());
      if (answer) {
        metrics?.endpoint.countAt(answer.counter);
        return;
      }
    }
    const request = probeRequestOf(req);
    const response =
      statusPage.respond(request) ??
      metrics?.respond(request) ??
      renderer(engine.snapshot(), request, {
        now: engine.clock.now(),
        loopBlockedMs: engine.loopBlockedMs(),
        detailsToken: settings.detailsToken,
      });
    writeResponse(res, response);
    metrics?.endpoint.countRequest(request.url, response.status);
  });
  configureProbeServer(server);
  let port: number;
  try {
    port = await listen(server, settings.port, settings.host);
  } catch (error) {
    statusPage.close();
    throw error;
  }
  // NOTE: the probe server never keeps the process alive on its own; the app's server does.
  server.unref();
  let closing: Promise<void> | undefined;
  return {
    port,
    host: settings.host,
    thread: 'main',
    url: baseUrlOf(settings.host, port),
    close() {
      closing ??= new Promise<void>((resolve) => {
        statusPage.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

const workerUrl = new URL('./worker.js', import.meta.url);

/** A `/metrics` scrape this recent keeps families posted on every change (Prometheus scrapes every 15 s to 1 min). */
const SCRAPED_RECENTLY_MS = 5 * 60_000;

/**
 * Keeps `stamp` fresh from the main loop; returns a function that stops it. On the real clock the
 * engine's watchdog already wakes every interval, so its stamps are copied (one timer, not two).
 */
function stampFromMainLoop(engine: HealthEngine, stamp: SharedStamp): () => void {
  if (engine.clock === realClock) {
    // NOTE: the real clock's now() is realNow(): the worker compares it with its own realNow().
    return engine.watchdog.onStamp((now) => stamp.write(now));
  }
  // NOTE: stamped by a real-time timer on the main loop, whatever clock the engine runs on.
  stamp.write(realNow());
  const stamper = setInterval(() => stamp.write(realNow()), engine.watchdog.intervalMs);
  stamper.unref();
  return () => clearInterval(stamper);
}

/** Serves probes from a worker thread fed with snapshots and a shared main-loop stamp. */
/** `stateDir`: restart forensics' state directory, where the worker records the /livez answers it serves. */
export async function listenOnWorker(engine: HealthEngine, settings: ProbeServerSettings, metrics?: Metrics, stateDir?: string): Promise<ProbeServer & { [kWorker]: () => Worker | undefined }> {
  const stamp = new SharedStamp();
  const offStamp = stampFromMainLoop(engine, stamp);
  let worker: Worker | undefined;
  let closed = false;
  let restarts = 0;
  // Families go to the worker every 5 s, and on every change while /metrics is being scraped.
  let scrapedAt = -Infinity;
  const scrapedRecently = (): boolean => realNow() - scrapedAt < SCRAPED_RECENTLY_MS;
  // The status page's history rides with the families (same cadence, same "someone is reading" signal).
  const history = settings.detailsToken === undefined ? undefined : new StatusHistory(engine);
  const postFamilies = (families: MetricFamily[]): void =>
    worker?.postMessage({ type: 'metrics', encoded: serialize(families), ...(history ? { history: encodeHistory(history) } : {}) } satisfies ToWorker);
  /** The last snapshot the current worker was given. */
  let posted: HealthSnapshot | undefined;
  const postSnapshot = (snapshot: HealthSnapshot): void => {
    if (!worker || snapshot === posted) return;
    const same = posted !== undefined && sameLines(posted, snapshot);
    posted = snapshot;
    worker.postMessage({ type: 'snapshot', encoded: serialize(snapshot), sameLines: same } satisfies ToWorker);
  };

  const spawn = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      posted = engine.snapshot();
      const data: WorkerData = {
        stamp: stamp.buffer,
        watchdogIntervalMs: engine.watchdog.intervalMs,
        port,
        host: settings.host,
        detailsToken: settings.detailsToken,
        snapshot: posted,
        metrics: metrics !== undefined,
        families: metrics?.collector.collect() ?? [],
        history: history?.read(),
        stateDir,
      };
      const w = new Worker(workerUrl, { workerData: data, name: 'probekit-probe-server', stdout: false, stderr: false });
      worker = w;
      let listening = false;
      w.on('message', (message: FromWorker) => {
        if (message.type === 'listening') {
          listening = true;
          // NOTE: ref'd while starting (so `await listen()` holds the process), never after.
          if (!closed) w.unref();
          // The snapshot may have changed while the worker started.
          postSnapshot(engine.snapshot());
          resolve(message.port);
        } else if (message.type === 'requests') {
          metrics?.endpoint.setRemoteCounts(message.counts);
        } else if (message.type === 'scraped') {
          const resumed = !scrapedRecently();
          scrapedAt = realNow();
          // The next scrape sees the families as of now, and every change from here on.
          if (resumed && metrics) postFamilies(metrics.collector.collect());
        } else if (message.type === 'error') {
          const error = Object.assign(new Error(`probe server could not listen on ${settings.host}:${port}: ${message.message}`), message.code ? { code: message.code } : {});
          reject(error);
        }
      });
      w.on('error', (error) => {
        if (!listening) reject(error);
      });
      w.on('exit', (code) => {
        if (worker === w) worker = undefined;
        if (!listening) {
          reject(new Error(`probe server worker exited with code ${code} before listening`));
          return;
        }
        if (closed) return;
        // NOTE: a dead worker is restarted on the same port, so the kubelet keeps getting answers.
        restarts += 1;
        process.emitWarning(`probekit: probe server worker exited with code ${code}; restarting it (restart ${restarts})`, 'ProbekitWarning');
        const retry = (attempt: number): void => {
          if (closed) return;
          spawn(boundPort).catch(() => {
            const delay = Math.min(1000 * 2 ** attempt, 30_000);
            setTimeout(() => retry(attempt + 1), delay).unref();
          });
        };
        retry(0);
      });
    });

  const offChange = engine.on('change', postSnapshot);
  // NOTE: the main thread's counters go to the worker, so /metrics never waits on a blocked main loop.
  const offMetrics = metrics?.publish(postFamilies, undefined, scrapedRecently) ?? (() => {});

  let boundPort: number;
  try {
    boundPort = await spawn(settings.port);
  } catch (error) {
    closed = true;
    offChange();
    offMetrics();
    offStamp();
    history?.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    port: boundPort,
    host: settings.host,
    thread: 'worker',
    url: baseUrlOf(settings.host, boundPort),
    [kWorker]: () => worker,
    close() {
      closing ??= (async () => {
        closed = true;
        offChange();
        offMetrics();
        offStamp();
        history?.close();
        const w = worker;
        if (!w) return;
        // Held while closing, so `await close()` completes even when nothing else keeps the loop alive.
        w.ref();
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        w.postMessage({ type: 'close' } satisfies ToWorker);
        const timer = setTimeout(() => void w.terminate(), 2000);
        timer.unref();
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
