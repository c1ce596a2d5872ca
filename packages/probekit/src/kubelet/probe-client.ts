/**
 * One probe, the way the kubelet runs it (pkg/probe/http, pkg/probe/tcp, pkg/probe/grpc), for
 * exec probes and Docker HEALTHCHECK. Imports only node built-ins at load: `probekit check` must
 * start fast. @grpc/grpc-js is loaded only for grpc:// targets.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { decodeStatusNumber, encodeRequest, STATUS_NAME } from '../grpc/wire.js';
import { KUBELET_USER_AGENT, MAX_PROBE_BODY_BYTES, MAX_PROBE_REDIRECTS } from './facts.js';

/** What we send as User-Agent: the kubelet's, marked as probekit so server logs can tell the two apart. */
export const PROBE_USER_AGENT = `${KUBELET_USER_AGENT} (probekit)`;

export type ProbeOutcome = 'success' | 'warning' | 'failure';

export interface ProbeResult {
  readonly outcome: ProbeOutcome;
  /** What happened, one line (status code, gRPC status, error). */
  readonly output: string;
  /** The final HTTP status code, for http(s) targets that answered. */
  readonly statusCode?: number;
  /** Up to 10 KiB of the body, as the kubelet keeps it. */
  readonly body?: string;
  readonly durationMs: number;
}

export interface ProbeOptions {
  /** One deadline for everything: connect, redirects, body (or the gRPC call). @default 1000 */
  readonly timeoutMs?: number;
  /** Extra request headers (`httpGet.httpHeaders`); they replace the defaults of the same name. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** Cancels the probe (counts as a failure). */
  readonly signal?: AbortSignal;
}

export const probeDefaults = { timeoutMs: 1000, headers: {} } as const;

/** Runs one probe; never throws for a failing target (that is a `failure` result). */
export async function probeOnce(target: URL, options: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? probeDefaults.timeoutMs;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`Expected \`timeoutMs\` to be a positive integer, got \`${String(timeoutMs)}\``);
  }
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  timer.unref();
  const outer = options.signal;
  const onAbort = (): void => controller.abort(outer?.reason ?? new Error('aborted'));
  outer?.addEventListener('abort', onAbort, { once: true });
  if (outer?.aborted) onAbort();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    const partial = await dispatch(target, controller.signal, options.headers ?? probeDefaults.headers, timeoutMs);
    return { ...partial, durationMs: elapsed() };
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    return { outcome: 'failure', output: errorText(reason), durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

type Partial = Omit<ProbeResult, 'durationMs'>;

function dispatch(target: URL, signal: AbortSignal, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<Partial> {
  switch (target.protocol) {
    case 'http:':
    case 'https:':
      return probeHttp(target, signal, headers);
    case 'tcp:':
      return probeTcp(target, signal);
    case 'grpc:':
      return probeGrpc(target, signal, timeoutMs);
    default:
      throw new TypeError(`Unsupported target protocol \`${target.protocol}\`; expected http:, https:, tcp: or grpc:`);
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function portOf(target: URL, fallback: number): number {
  return target.port === '' ? fallback : Number(target.port);
}

/** Host for node's socket APIs: URL keeps IPv6 literals in brackets. */
function hostOf(target: URL): string {
  return target.hostname.replace(/^\[(.*)\]$/, '$1');
}

async function probeHttp(first: URL, signal: AbortSignal, extra: Readonly<Record<string, string>>): Promise<Partial> {
  let url = first;
  for (let redirects = 0; ; redirects++) {
    const { response, body } = await getOnce(url, signal, extra);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      const next = new URL(location, url);
      // NOTE: the kubelet follows redirects only to the same host name (any port, http or https);
      // a redirect elsewhere ends there and counts as success with a warning
      // (RedirectChecker and DoHTTPProbe in pkg/probe/http/http.go).
      // Go's client cannot follow a redirect to another scheme ("unsupported protocol scheme"):
      // the request errors, and an errored HTTP probe is a failure.
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return { outcome: 'failure', output: `HTTP ${status}: redirect to ${next.href}: unsupported protocol scheme`, statusCode: status, body };
      }
      if (next.hostname !== first.hostname) {
        return { outcome: 'warning', output: `HTTP ${status}: redirect to ${next.href} not followed (another host)`, statusCode: status, body };
      }
      if (redirects + 1 >= MAX_PROBE_REDIRECTS) {
        return { outcome: 'failure', output: `stopped after ${MAX_PROBE_REDIRECTS} redirects`, statusCode: status, body };
      }
      url = next;
      continue;
    }
    const ok = status >= 200 && status < 400;
    return { outcome: ok ? 'success' : 'failure', output: `HTTP ${status}${redirects > 0 ? ` after ${redirects} redirect${redirects === 1 ? '' : 's'}` : ''}`, statusCode: status, body };
  }
}

async function getOnce(url: URL, signal: AbortSignal, extra: Readonly<Record<string, string>>): Promise<{ response: IncomingMessage; body: string }> {
  const headers: OutgoingHttpHeaders = {
    'user-agent': PROBE_USER_AGENT,
    accept: '*/*',
    // NOTE: the kubelet disables keep-alive for probes (pkg/probe/http/http.go DisableKeepAlives).
    connection: 'close',
  };
  for (const [name, value] of Object.entries(extra)) headers[name.toLowerCase()] = value;
  // node:https (TLS, crypto) is loaded only for an https target: `probekit check` is an exec probe,
  // and its start-up time is paid on every probe.
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers,
        signal,
        agent: false,
        // NOTE: the kubelet does not verify probe certificates (InsecureSkipVerify in pkg/probe/http/http.go).
        rejectUnauthorized: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = (): void => {
          response.removeAllListeners('data');
          resolve({ response, body: Buffer.concat(chunks).subarray(0, MAX_PROBE_BODY_BYTES).toString('utf8') });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          // NOTE: the kubelet reads at most 10 KiB of a probe's body; we stop reading there too.
          if (size >= MAX_PROBE_BODY_BYTES) {
            finish();
            req.destroy();
          }
        });
        response.once('end', finish);
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function probeTcp(target: URL, signal: AbortSignal): Promise<Partial> {
  const port = portOf(target, NaN);
  if (!Number.isInteger(port)) return Promise.reject(new TypeError(`tcp:// target needs a port, got \`${target.href}\``));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostOf(target), port, signal });
    socket.once('connect', () => {
      // The kubelet closes at once: connecting is the whole test (pkg/probe/tcp/tcp.go).
      socket.destroy();
      resolve({ outcome: 'success', output: `connected to ${target.host}` });
    });
    socket.once('error', reject);
  });
}

async function probeGrpc(target: URL, signal: AbortSignal, timeoutMs: number): Promise<Partial> {
  const port = portOf(target, NaN);
  if (!Number.isInteger(port)) throw new TypeError(`grpc:// target needs a port, got \`${target.href}\``);
  const service = target.searchParams.get('service') ?? '';
  let grpc: typeof import('@grpc/grpc-js');
  try {
    grpc = await import('@grpc/grpc-js');
  } catch {
    throw new Error('grpc:// targets need the optional peer dependency @grpc/grpc-js (npm install @grpc/grpc-js)');
  }
  // NOTE: the kubelet's gRPC probe is plaintext only (pkg/probe/grpc/grpc.go uses insecure credentials).
  const client = new grpc.Client(`${target.hostname}:${port}`, grpc.credentials.createInsecure());
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const call = client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (request: string) => encodeRequest({ service: request }),
        (response: Buffer) => decodeStatusNumber(response),
        service,
        new grpc.Metadata({}),
        { deadline: Date.now() + timeoutMs },
        (error, value) => (error ? reject(error) : resolve(value ?? 0)),
      );
      signal.addEventListener('abort', () => call.cancel(), { once: true });
    });
    const name = STATUS_NAME[status] ?? `status ${status}`;
    // Only SERVING is healthy (pkg/probe/grpc/grpc.go).
    return { outcome: name === 'SERVING' ? 'success' : 'failure', output: `gRPC health ${name}${service ? ` for service "${service}"` : ''}` };
  } finally {
    client.close();
  }
}
