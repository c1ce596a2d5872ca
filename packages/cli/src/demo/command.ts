import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { evaluate } from 'probekit/internal';
import { formatMs } from 'probekit/internal';
import { createHealth, type Health } from 'probekit';
import type { CliIO } from 'probekit/internal';
import { EmbeddedDatastore, type StoreFault } from './datastore.js';
import { StoreClient } from './store-client.js';

const HELP = `Usage: probekit demo [options]

An example service with correct probes: a warm-up (startup probe), a readiness dependency on an
embedded datastore, a heartbeat'd background job (liveness), and faults you can inject while it runs.

Options:
  --port <n>              app port (default $PORT, else 3000; 0 picks one)
  --probe-port <n>        probe server port (default $PROBEKIT_PORT, else 8081; 0 picks one)
  --host <addr>           interface for both servers (default 127.0.0.1)
  --thread worker|main    where the probe server answers (default worker)
  --warmup-seconds <n>    startup warm-up (default 5)
  --store <host:port>     use a datastore already running there instead of the embedded one
                          (default $LAB_DEPENDENCY_REDIS, set by \`probekit lab run\`; a Redis server works too)
  --details-token <t>     token that reveals reasons (default: demo-details-token)
  --no-status             no live status line (log transitions only)
  -h, --help              this text

Faults (admin routes on the app port, or keys when stdin is a terminal):
  POST /admin/fault/slow?ms=2000   [s]  datastore answers slowly -> readiness fails (timeout 500 ms)
  POST /admin/fault/down           [d]  datastore refuses connections -> readiness fails
  POST /admin/fault/block?ms=3000  [b]  block the main event loop -> liveness fails after 2 s, probes still answer
  POST /admin/fault/hang-job       [h]  the background job stops beating -> liveness fails after 5 s
  POST /admin/fault/clear          [c]  clear every fault
  [q] or Ctrl-C: graceful shutdown (readiness fails first, liveness stays)
`;

interface DemoState {
  jobHung: boolean;
  beats: number;
  requests: number;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        // PORT, PROBEKIT_PORT and LAB_DEPENDENCY_REDIS are what `probekit lab run` gives each replica.
        port: { type: 'string', default: io.env.PORT || '3000' },
        'probe-port': { type: 'string', default: io.env.PROBEKIT_PORT || '8081' },
        host: { type: 'string', default: '127.0.0.1' },
        thread: { type: 'string', default: 'worker' },
        'warmup-seconds': { type: 'string', default: '5' },
        store: { type: 'string' },
        'details-token': { type: 'string', default: 'demo-details-token' },
        'no-status': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`probekit demo: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const port = intOption('--port', values.port, io);
  const probePort = intOption('--probe-port', values['probe-port'], io);
  const warmup = intOption('--warmup-seconds', values['warmup-seconds'], io);
  if (port === undefined || probePort === undefined || warmup === undefined) return 2;
  if (values.thread !== 'worker' && values.thread !== 'main') {
    io.stderr.write(`probekit demo: expected --thread to be worker or main, got ${JSON.stringify(values.thread)}\n`);
    return 2;
  }

  let store: EmbeddedDatastore | undefined;
  let storeHost = '127.0.0.1';
  let storePort: number;
  const storeSpec = values.store ?? (io.env.LAB_DEPENDENCY_REDIS || undefined);
  if (storeSpec) {
    const m = /^([^:]+):(\d+)$/.exec(storeSpec);
    if (!m) {
      io.stderr.write(`probekit demo: expected --store (or LAB_DEPENDENCY_REDIS) to be host:port, got ${JSON.stringify(storeSpec)}\n`);
      return 2;
    }
    storeHost = m[1] ?? '127.0.0.1';
    storePort = Number(m[2]);
  } else {
    store = new EmbeddedDatastore();
    storePort = await store.start(0);
  }
  const client = new StoreClient(storeHost, storePort);

  const health = createHealth({ maxBlockMs: 2000, maxLagMs: 500, detailsToken: values['details-token'], env: io.env });
  const state: DemoState = { jobHung: false, beats: 0, requests: 0 };
  const bootedAt = Date.now();
  health.startup('warm-up', () => {
    const left = warmup * 1000 - (Date.now() - bootedAt);
    if (left > 0) throw new Error(`warming caches, ${formatMs(left)} left`);
  }, { intervalMs: 1000, failingIntervalMs: 1000 });
  health.readiness('datastore', { check: (signal) => client.ping(signal), dependency: true, componentType: 'datastore' }, { timeoutMs: 500, intervalMs: 2000, failingIntervalMs: 1000 });
  const job = health.heartbeat('job', { timeoutMs: 5000 });
  const jobTimer = setInterval(() => {
    if (state.jobHung) return;
    state.beats += 1;
    job.beat();
  }, 1000);

  const app = createServer((req, res) => void handleApp(req, res, { client, store, state, io, health }));
  let probes: Awaited<ReturnType<Health['listen']>>;
  let bind = { flag: '--port', port };
  try {
    await new Promise<void>((resolve, reject) => {
      app.once('error', reject);
      app.listen(port, values.host, () => resolve());
    });
    bind = { flag: '--probe-port', port: probePort };
    probes = await health.listen({ port: probePort, host: values.host, thread: values.thread });
  } catch (error) {
    // NOTE: without this, the job timer and the datastore kept the process alive after the error: it never exited.
    clearInterval(jobTimer);
    if (app.listening) await new Promise<void>((resolve) => app.close(() => resolve()));
    client.close();
    await store?.stop();
    await health.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges' : 'is not an address of this machine';
      io.stderr.write(`probekit demo: cannot listen on ${values.host}:${bind.port} (${bind.flag}): the port ${why} (${code}); pick another with ${bind.flag} <n>, or ${bind.flag} 0 for a free one\n`);
      return 2;
    }
    throw error;
  }
  const appAddress = app.address();
  const appPort = typeof appAddress === 'object' && appAddress ? appAddress.port : port;

  const token = values['details-token'];
  io.stdout.write(
    [
      `probekit demo`,
      `  app     http://${values.host}:${appPort}/   (faults: POST /admin/fault/{slow,down,block,hang-job,clear})`,
      `  probes  ${probes.url}/livez  ${probes.url}/readyz  ${probes.url}/startupz  ${probes.url}/healthz   (thread: ${probes.thread})`,
      `  details curl -H 'Authorization: Bearer ${token}' '${probes.url}/readyz?verbose'`,
      `  store   ${store ? 'embedded' : 'external'} datastore at ${storeHost}:${storePort}`,
      `  warm-up ${warmup} s: /startupz and /readyz fail until it is done`,
      '',
    ].join('\n'),
  );

  const status = (): string => {
    const snapshot = health.snapshot();
    const blocked = health.loopBlockedMs();
    const mark = (probe: 'startup' | 'liveness' | 'readiness'): string => {
      const verdict = evaluate(snapshot, probe, { loopBlockedMs: blocked });
      const failing = verdict.lines.filter((l) => l.status === 'fail').map((l) => `${l.name}: ${l.reason ?? 'failed'}`);
      return `${probe} ${verdict.ok ? 'ok' : `FAIL (${failing.join('; ')})`}`;
    };
    const fault = describeFault(store?.fault, state);
    return `${mark('startup')} | ${mark('liveness')} | ${mark('readiness')} | job beats ${state.beats} | requests ${state.requests}${fault ? ` | fault: ${fault}` : ''}`;
  };

  const tty = Boolean((io.stdout as NodeJS.WriteStream).isTTY) && !values['no-status'];
  let statusTimer: NodeJS.Timeout | undefined;
  let last = '';
  if (tty) {
    statusTimer = setInterval(() => {
      const line = status();
      io.stdout.write(`\r\x1b[2K${line.slice(0, ((io.stdout as NodeJS.WriteStream).columns || 200) - 1)}`);
    }, 250);
  } else {
    statusTimer = setInterval(() => {
      const line = status();
      if (line.replace(/job beats \d+ \| requests \d+/, '') !== last) io.stdout.write(`${new Date().toISOString()} ${line}\n`);
      last = line.replace(/job beats \d+ \| requests \d+/, '');
    }, 250);
  }

  const stdin = io.stdin as NodeJS.ReadStream;
  const faults = { client, store, state };
  let onKey: ((key: Buffer) => void) | undefined;
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') {
    stdin.setRawMode(true);
    stdin.resume();
    onKey = (key) => {
      const k = key.toString();
      if (k === 's') void applyFault(faults, 'slow', 2000);
      else if (k === 'd') void applyFault(faults, 'down', 0);
      else if (k === 'b') void applyFault(faults, 'block', 3000);
      else if (k === 'h') void applyFault(faults, 'hang-job', 0);
      else if (k === 'c') void applyFault(faults, 'clear', 0);
      else if (k === 'q' || k === '\u0003') process.kill(process.pid, 'SIGTERM');
    };
    stdin.on('data', onKey);
  }

  // The demo's own graceful shutdown: readiness fails first, then servers close.
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  health.beginShutdown();
  io.stdout.write(`\n${status()}\nshutting down: readiness fails now, liveness stays ok\n`);
  clearInterval(statusTimer);
  clearInterval(jobTimer);
  if (onKey) {
    stdin.off('data', onKey);
    stdin.setRawMode(false);
    stdin.pause();
  }
  await new Promise<void>((resolve) => {
    app.close(() => resolve());
    app.closeIdleConnections();
  });
  client.close();
  await store?.stop();
  await health.close();
  io.stdout.write('stopped\n');
  return 0;
}

function intOption(name: string, value: string, io: CliIO): number | undefined {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    io.stderr.write(`probekit demo: expected ${name} to be a non-negative integer, got ${JSON.stringify(value)}\n`);
    return undefined;
  }
  return Number(value);
}

function describeFault(fault: StoreFault | undefined, state: DemoState): string {
  const parts: string[] = [];
  if (fault?.kind === 'slow') parts.push(`datastore slow ${fault.ms} ms`);
  if (fault?.kind === 'down') parts.push('datastore down');
  if (state.jobHung) parts.push('job hung');
  return parts.join(', ');
}

interface Faults {
  readonly client: StoreClient;
  readonly store: EmbeddedDatastore | undefined;
  readonly state: DemoState;
}

async function applyFault(f: Faults, kind: string, ms: number): Promise<string> {
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

async function handleApp(req: IncomingMessage, res: ServerResponse, ctx: Faults & { io: CliIO; health: Health }): Promise<void> {
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
      const message = await applyFault(ctx, fault[1] ?? 'clear', ms);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${message}\n`);
      return;
    }
    if (url.pathname === '/') {
      ctx.state.requests += 1;
      const n = await ctx.client.command('INCR hits', AbortSignal.timeout(1000));
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from the probekit demo, visit ${n.slice(1)}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  } catch (error) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end(`datastore unavailable: ${(error as Error).message}\n`);
  }
}
