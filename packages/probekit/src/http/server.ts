import type { Server } from 'node:http';
import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { realClock } from '../engine/clock.js';
import type { HealthEngine } from '../engine/engine.js';
import { sameLines } from '../engine/evaluate.js';
import type { HealthSnapshot } from '../engine/types.js';
import type { Metrics } from '../metrics/index.js';
import type { MetricFamily } from '../metrics/model.js';
import { createProbeServer } from './pipeline.js';
import type { RequestCounters } from './request-counters.js';
import { SharedStamp, realNow } from './shared-stamp.js';
import { StatusHistory, encodeHistory } from './status-history.js';
import { mainThreadStatusPage } from './status-page.js';
import type { FromWorker, ToWorker, WorkerData } from './worker.js';
import { workerExecArgv } from './worker-argv.js';

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
export async function listenOnMain(engine: HealthEngine, settings: ProbeServerSettings, metrics?: Metrics, counters?: RequestCounters): Promise<ProbeServer> {
  const statusPage = mainThreadStatusPage(engine, settings.detailsToken, counters);
  const server = createProbeServer({
    detailsToken: settings.detailsToken,
    loopBlockedMs: () => engine.loopBlockedMs(),
    now: () => engine.clock.now(),
    linesSnapshot: () => engine.snapshot(),
    snapshot: () => engine.snapshot(),
    counters,
    statusPage: (request) => statusPage.respond(request),
    metrics: metrics && ((request, snapshot, loopBlockedMs) => metrics.endpoint.respond(request, { snapshot, loopBlockedMs })),
  });
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

/** A snapshot whose probe lines changed reaches the worker at most this long after the previous post. */
const LINES_POST_MS = 50;
/** A snapshot in which only run times and counts moved (details, JSON and /metrics show them). */
const RUNS_POST_MS = 1000;

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
export async function listenOnWorker(
  engine: HealthEngine,
  settings: ProbeServerSettings,
  metrics?: Metrics,
  counters?: RequestCounters,
  stateDir?: string,
): Promise<ProbeServer & { [kWorker]: () => Worker | undefined }> {
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
  /** The last snapshot the current worker was given, and when (real ms). */
  let posted: HealthSnapshot | undefined;
  let postedAt = -Infinity;
  const postSnapshot = (snapshot: HealthSnapshot): void => {
    if (!worker || snapshot === posted) return;
    const same = posted !== undefined && sameLines(posted, snapshot);
    posted = snapshot;
    postedAt = realNow();
    worker.postMessage({ type: 'snapshot', encoded: serialize(snapshot), sameLines: same } satisfies ToWorker);
  };
  // NOTE: every run of every check makes a snapshot, and each post serializes all checks: posting
  // each one made worker mode quadratic in the number of checks. Posts are spaced instead: a change
  // of lines goes within LINES_POST_MS, a change of run times and counts only within RUNS_POST_MS.
  let flush: { readonly timer: NodeJS.Timeout; readonly due: number } | undefined;
  const snapshotChanged = (snapshot: HealthSnapshot): void => {
    if (!worker || snapshot === posted) return;
    const due = postedAt + (posted !== undefined && sameLines(posted, snapshot) ? RUNS_POST_MS : LINES_POST_MS);
    const now = realNow();
    if (now >= due) {
      cancelFlush();
      postSnapshot(snapshot);
      return;
    }
    if (flush !== undefined && flush.due <= due) return;
    cancelFlush();
    const timer = setTimeout(() => {
      flush = undefined;
      postSnapshot(engine.snapshot());
    }, due - now);
    timer.unref();
    flush = { timer, due };
  };
  const cancelFlush = (): void => {
    if (flush !== undefined) clearTimeout(flush.timer);
    flush = undefined;
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
      let w: Worker;
      try {
        // NOTE: not the process's execArgv as is: `--input-type` (with -e) and the like fail a worker started from a file.
        w = new Worker(workerUrl, { workerData: data, name: 'probekit-probe-server', stdout: false, stderr: false, execArgv: workerExecArgv(process.execArgv) });
      } catch (error) {
        reject(error as Error);
        return;
      }
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
          counters?.setRemoteCounts(message.counts);
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

  const offChange = engine.on('change', snapshotChanged);
  // NOTE: the main thread's counters go to the worker, so /metrics never waits on a blocked main loop.
  const offMetrics = metrics?.publish(postFamilies, undefined, scrapedRecently) ?? (() => {});

  /** Stops feeding the worker: snapshots, families, the stamp and the status history. */
  const stopFeeding = (): void => {
    closed = true;
    offChange();
    cancelFlush();
    offMetrics();
    offStamp();
    history?.close();
  };
  let boundPort: number;
  try {
    boundPort = await spawn(settings.port);
  } catch (error) {
    stopFeeding();
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
        stopFeeding();
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
