/**
 * `probekit check <target>`: one probe with kubelet semantics, for an exec probe or a Docker
 * HEALTHCHECK. Exit 0 healthy, 1 unhealthy, 2 usage.
 * NOTE: this runs on every probe tick, so it imports only node built-ins and the probe client;
 * never yaml, kubernetes-models or gRPC at load (gRPC is imported only for grpc:// targets).
 */
import { parseArgs } from 'node:util';
import { probeDefaults, probeOnce } from '../kubelet/probe-client.js';
import type { CliIO } from './dispatch.js';

const HELP = `Usage: probekit check <target> [options]

Probes <target> once, the way the kubelet would, and exits 0 (healthy) or 1 (unhealthy).

Targets:
  http://host:port/path      GET; 200-399 is healthy; follows up to 10 same-host redirects
  https://host:port/path     same, certificate not verified (as the kubelet)
  tcp://host:port            healthy if a connection opens
  grpc://host:port[?service=name]   grpc.health.v1.Health/Check; only SERVING is healthy

Options:
  --timeout <duration>   one deadline for connect, redirects and body: 800ms, 2s, or milliseconds
                         (default ${probeDefaults.timeoutMs}ms; keep it below the probe's timeoutSeconds)
  -H, --header <h>       extra request header "Name: value" (repeatable)
  --json                 print the result as JSON
  -q, --quiet            print nothing on success
  -h, --help             show this help
`;

/** A command-line duration → milliseconds: `800ms`, `2s`, `1.5s`, or a bare number of milliseconds. */
export function parseFlagDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
  return ms > 0 ? ms : undefined;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        timeout: { type: 'string' },
        header: { type: 'string', short: 'H', multiple: true },
        json: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr.write(`probekit check: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const usage = (message: string): number => {
    io.stderr.write(`probekit check: ${message}\n\n${HELP}`);
    return 2;
  };
  if (positionals.length !== 1) return usage(`expected one target, got ${positionals.length}`);
  const text = positionals[0] as string;
  let target: URL;
  try {
    target = new URL(text);
  } catch {
    return usage(`\`${text}\` is not a URL (try http://127.0.0.1:8081/livez)`);
  }
  if (!['http:', 'https:', 'tcp:', 'grpc:'].includes(target.protocol)) {
    return usage(`unsupported target \`${text}\`; use http://, https://, tcp:// or grpc://`);
  }
  if ((target.protocol === 'tcp:' || target.protocol === 'grpc:') && target.port === '') {
    return usage(`\`${text}\` needs a port`);
  }
  let timeoutMs: number = probeDefaults.timeoutMs;
  if (values.timeout !== undefined) {
    const parsedTimeout = parseFlagDuration(values.timeout);
    if (parsedTimeout === undefined) return usage(`\`--timeout\` must be a duration like 800ms or 2s, got \`${values.timeout}\``);
    timeoutMs = parsedTimeout;
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const at = h.indexOf(':');
    if (at <= 0) return usage(`\`--header\` must look like "Name: value", got \`${h}\``);
    headers[h.slice(0, at).trim()] = h.slice(at + 1).trim();
  }
  const result = await probeOnce(target, { timeoutMs, headers });
  const healthy = result.outcome !== 'failure';
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ target: target.href, healthy, ...result })}\n`);
  } else if (!healthy || !values.quiet) {
    const line = `${target.href}: ${healthy ? 'healthy' : 'unhealthy'}: ${result.output} (${result.durationMs} ms)\n`;
    (healthy ? io.stdout : io.stderr).write(line);
  }
  return healthy ? 0 : 1;
}
