import { parseArgs } from 'node:util';

export const HELP = `Usage: probekit-cli demo [options]

An example service with correct probes: a warm-up (startup probe), a readiness dependency on an
embedded datastore, a heartbeat'd background job (liveness), and faults you can inject while it runs.

Options:
  --port <n>              app port (default $PORT, else 3000; 0 picks one)
  --probe-port <n>        probe server port (default $PROBEKIT_PORT, else 8081; 0 picks one)
  --host <addr>           interface for both servers (default 127.0.0.1)
  --thread worker|main    where the probe server answers (default worker)
  --warmup-seconds <n>    startup warm-up (default 5)
  --store <host:port>     use a datastore already running there instead of the embedded one
                          (default $LAB_DEPENDENCY_REDIS, set by \`probekit-cli lab run\`; a Redis server works too)
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

/** What the demo was asked to do, validated. */
export interface DemoOptions {
  readonly port: number;
  readonly probePort: number;
  readonly host: string;
  readonly thread: 'worker' | 'main';
  readonly warmupSeconds: number;
  /** An external datastore (`--store` or `LAB_DEPENDENCY_REDIS`); the embedded one when absent. */
  readonly store: { readonly host: string; readonly port: number } | undefined;
  readonly detailsToken: string;
  readonly status: boolean;
}

/** Parses the flags (and the environment `probekit-cli lab run` sets): options, `'help'`, or a usage error. */
export function parseDemoOptions(argv: string[], env: Readonly<Record<string, string | undefined>>): DemoOptions | 'help' | { readonly error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        // PORT, PROBEKIT_PORT and LAB_DEPENDENCY_REDIS are what `probekit-cli lab run` gives each replica.
        port: { type: 'string', default: env['PORT'] || '3000' },
        'probe-port': { type: 'string', default: env['PROBEKIT_PORT'] || '8081' },
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
    return { error: `${(error as Error).message}\n\n${HELP}` };
  }
  if (values.help) return 'help';
  const ints: Record<string, number> = {};
  for (const flag of ['port', 'probe-port', 'warmup-seconds'] as const) {
    const value = values[flag];
    if (!/^\d+$/.test(value) || Number(value) > 65535) return { error: `expected --${flag} to be a non-negative integer, got ${JSON.stringify(value)}\n` };
    ints[flag] = Number(value);
  }
  if (values.thread !== 'worker' && values.thread !== 'main') return { error: `expected --thread to be worker or main, got ${JSON.stringify(values.thread)}\n` };
  let store: DemoOptions['store'];
  const spec = values.store ?? (env['LAB_DEPENDENCY_REDIS'] || undefined);
  if (spec !== undefined) {
    const m = /^([^:]+):(\d+)$/.exec(spec);
    if (!m) return { error: `expected --store (or LAB_DEPENDENCY_REDIS) to be host:port, got ${JSON.stringify(spec)}\n` };
    store = { host: m[1] ?? '127.0.0.1', port: Number(m[2]) };
  }
  return {
    port: ints['port'] ?? 3000,
    probePort: ints['probe-port'] ?? 8081,
    host: values.host,
    thread: values.thread,
    warmupSeconds: ints['warmup-seconds'] ?? 5,
    store,
    detailsToken: values['details-token'],
    status: !values['no-status'],
  };
}
