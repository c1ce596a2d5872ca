import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHealth, type Health } from 'probekit';
import { formatMs } from 'probekit/internal';
import { EmbeddedDatastore, type StoreFault } from './datastore.js';
import type { DemoOptions } from './options.js';
import { StoreClient } from './store-client.js';

/** Counters the status line shows and a fault the job obeys. */
export interface DemoState {
  jobHung: boolean;
  beats: number;
  requests: number;
}

/** The running demo: its health, app server, probe server and datastore. */
export interface DemoService {
  readonly health: Health;
  readonly state: DemoState;
  readonly appUrl: string;
  readonly probesUrl: string;
  readonly thread: string;
  readonly storeAddress: string;
  /** The embedded datastore, or undefined for an external one (`--store`). */
  readonly store: EmbeddedDatastore | undefined;
  /** Applies a fault by name (`slow`, `down`, `block`, `hang-job`, `clear`); resolves with what happened. */
  fault(kind: string, ms: number): Promise<string>;
  /** Readiness off, then the app server drains and everything closes. */
  stop(): Promise<void>;
}

/** Starts the datastore (unless external), the checks, the job, the app server and the probe server. */
export async function startDemo(options: DemoOptions, env: Readonly<Record<string, string | undefined>>): Promise<DemoService> {
  const store = options.store === undefined ? new EmbeddedDatastore() : undefined;
  const storeHost = options.store?.host ?? '127.0.0.1';
  const storePort = options.store?.port ?? (await store!.start(0));
  const client = new StoreClient(storeHost, storePort);

  const health = createHealth({ maxBlockMs: 2000, maxLagMs: 500, detailsToken: options.detailsToken, env });
  const state: DemoState = { jobHung: false, beats: 0, requests: 0 };
  const bootedAt = Date.now();
  health.startup('warm-up', () => {
    const left = options.warmupSeconds * 1000 - (Date.now() - bootedAt);
    if (left > 0) throw new Error(`warming caches, ${formatMs(left)} left`);
  }, { intervalMs: 1000, failingIntervalMs: 1000 });
  health.readiness('datastore', { check: (signal) => client.ping(signal), dependency: true, componentType: 'datastore' }, { timeoutMs: 500, intervalMs: 2000, failingIntervalMs: 1000 });
  const job = health.heartbeat('job', { timeoutMs: 5000 });
  const jobTimer = setInterval(() => {
    if (state.jobHung) return;
    state.beats += 1;
    job.beat();
  }, 1000);

  const fault = (kind: string, ms: number): Promise<string> => applyFault({ store, state }, kind, ms);
  const app = createServer((req, res) => void handleApp(req, res, { client, state, fault }));
  const closeAll = async (): Promise<void> => {
    clearInterval(jobTimer);
    client.close();
    await store?.stop();
    await health.close();
  };
  try {
    await listen(app, options.port, options.host, '--port');
    const probes = await health.listen({ port: options.probePort, host: options.host, thread: options.thread }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? new PortTakenError('--probe-port', options.host, options.probePort) : error;
    });
    const address = app.address();
    const appPort = typeof address === 'object' && address ? address.port : options.port;
    return {
      health,
      state,
      appUrl: `http://${options.host}:${appPort}`,
      probesUrl: probes.url,
      thread: probes.thread,
      storeAddress: `${store ? 'embedded' : 'external'} datastore at ${storeHost}:${storePort}`,
      store,
      fault,
      async stop() {
        health.beginShutdown();
        await new Promise<void>((resolve) => {
          app.close(() => resolve());
          app.closeIdleConnections();
        });
        await closeAll();
      },
    };
  } catch (error) {
    if (app.listening) app.close();
    await closeAll();
    throw error;
  }
}

/** A port given to the demo is in use: a usage error naming the flag. */
export class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
  constructor(flag: string, host: string, port: number) {
    super(`cannot listen on ${host}:${port} (${flag}): the port is already in use (EADDRINUSE); pick another with ${flag} <n>, or ${flag} 0 for a free one`);
  }
}

function listen(server: Server, port: number, host: string, flag: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortTakenError(flag, host, port) : error));
    server.listen(port, host, () => resolve());
  });
}

/** The fault the status line shows, if any. */
export function describeFault(fault: StoreFault | undefined, state: DemoState): string {
  const parts: string[] = [];
  if (fault?.kind === 'slow') parts.push(`datastore slow ${fault.ms} ms`);
  if (fault?.kind === 'down') parts.push('datastore down');
  if (state.jobHung) parts.push('job hung');
  return parts.join(', ');
}

async function applyFault(f: { readonly store: EmbeddedDatastore | undefined; readonly state: DemoState }, kind: string, ms: number): Promise<string> {
  switch (kind) {
    case 'slow':
      if (!f.store) return 'no embedded datastore (--store is external)';
      await f.store.setFault({ kind: 'slow', ms });
      return `datastore answers after ${ms} ms`;
    case 'down':
      if (!f.store) return 'no embedded datastore (--store is external)';
      await f.store.setFault({ kind: 'down' });
      return 'datastore down';
    case 'block': {
      // Deliberately wedge the main loop: liveness must fail while the worker keeps answering.
      const until = Date.now() + ms;
      while (Date.now() < until) {
        // busy
      }
      return `main loop was blocked for ${ms} ms`;
    }
    case 'hang-job':
      f.state.jobHung = true;
      return 'background job stopped beating';
    case 'clear':
      f.state.jobHung = false;
      await f.store?.setFault({ kind: 'none' });
      return 'faults cleared';
    default:
      throw new Error(`unknown fault ${kind}`);
  }
}

async function handleApp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { readonly client: StoreClient; readonly state: DemoState; readonly fault: (kind: string, ms: number) => Promise<string> },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://demo');
  try {
    const fault = /^\/admin\/fault\/(slow|down|block|hang-job|clear)$/.exec(url.pathname);
    if (fault) {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('use POST\n');
        return;
      }
      const ms = Number(url.searchParams.get('ms') ?? (fault[1] === 'block' ? 3000 : 2000));
      if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('ms must be 0-600000\n');
        return;
      }
      const message = await ctx.fault(fault[1] ?? 'clear', ms);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${message}\n`);
      return;
    }
    if (url.pathname === '/') {
      ctx.state.requests += 1;
      const n = await ctx.client.command('INCR hits', AbortSignal.timeout(1000));
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from the probekit-cli demo, visit ${n.slice(1)}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  } catch (error) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end(`datastore unavailable: ${(error as Error).message}\n`);
  }
}
