// The HTTP contract of docs/http.md as data, shared by the probe server's tests and the adapters'.
import assert from 'node:assert/strict';
import { VirtualClock } from '../../engine/clock.js';
import { createHealth, type Health } from '../../health.js';

export const TOKEN = 'contract-details-token';

/**
 * A service in a known state: startup done; liveness = eventloop + heartbeat `jobs`; readiness =
 * postgres (passing, 2 ms), search-cache (non-critical, failing), redis (failing). Virtual time, so
 * every duration in a body is exact.
 */
export async function contractHealth(): Promise<{ health: Health; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const health = createHealth({ clock, detailsToken: TOKEN, env: {}, maxBlockMs: 5000, maxLagMs: 1000 });
  health.startup('migrations', () => undefined);
  health.readiness('postgres', () => ({ observedValue: 2, observedUnit: 'ms' }));
  health.readiness('search-cache', () => Promise.reject(new Error('ETIMEDOUT search:9200')), { critical: false });
  health.readiness('redis', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')));
  health.heartbeat('jobs', { timeoutMs: 60_000 });
  await clock.advance(1);
  return { health, clock };
}

export interface ContractCase {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number;
  /** Exact body, or a check of the parsed JSON body. */
  readonly body: string | ((json: unknown) => void);
  readonly contentType: string;
  readonly allow?: string;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/health+json';
const auth = { authorization: `Bearer ${TOKEN}` };

const READYZ_FAILING = [
  '[+]eventloop ok',
  '[+]startup ok',
  '[+]shutdown ok',
  '[+]postgres ok',
  '[!]search-cache warn: reason withheld',
  '[-]redis failed: reason withheld',
  'readyz check failed',
  '',
].join('\n');

export const CONTRACT_CASES: readonly ContractCase[] = [
  { name: 'livez passes with a bare ok', method: 'GET', path: '/livez', status: 200, body: 'ok', contentType: TEXT },
  { name: 'HEAD livez has the headers and no body', method: 'HEAD', path: '/livez', status: 200, body: '', contentType: TEXT },
  { name: 'livez verbose lists every check', method: 'GET', path: '/livez?verbose', status: 200, body: '[+]eventloop ok\n[+]jobs ok\nlivez check passed\n', contentType: TEXT },
  { name: 'startupz passes once started', method: 'GET', path: '/startupz', status: 200, body: 'ok', contentType: TEXT },
  { name: 'a failing readyz is always verbose, reasons withheld', method: 'GET', path: '/readyz', status: 503, body: READYZ_FAILING, contentType: TEXT },
  { name: 'HEAD of a failing readyz', method: 'HEAD', path: '/readyz', status: 503, body: '', contentType: TEXT },
  {
    name: 'excluding the failing check passes (warn stays)',
    method: 'GET',
    path: '/readyz?exclude=redis',
    status: 200,
    body: 'ok',
    contentType: TEXT,
  },
  {
    name: 'repeated exclude with an unknown name warns',
    method: 'GET',
    path: '/readyz?verbose&exclude=redis&exclude=nope&exclude=search-cache',
    status: 200,
    body: '[+]eventloop ok\n[+]startup ok\n[+]shutdown ok\n[+]postgres ok\n[+]search-cache excluded: ok\n[+]redis excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nreadyz check passed\n',
    contentType: TEXT,
  },
  {
    name: 'the details token reveals reasons and measurements',
    method: 'GET',
    path: '/readyz',
    headers: auth,
    status: 503,
    body: [
      '[+]eventloop ok',
      '[+]startup ok',
      '[+]shutdown ok',
      '[+]postgres ok (took 0 ms, observed 2 ms)',
      '[!]search-cache warn: ETIMEDOUT search:9200 (took 0 ms, never succeeded)',
      '[-]redis failed: connect ECONNREFUSED 127.0.0.1:6379 (took 0 ms, never succeeded)',
      'readyz check failed',
      '',
    ].join('\n'),
    contentType: TEXT,
  },
  { name: 'a wrong token sees nothing more', method: 'GET', path: '/readyz', headers: { authorization: 'Bearer not-the-token' }, status: 503, body: READYZ_FAILING, contentType: TEXT },
  { name: 'a token in another scheme sees nothing more', method: 'GET', path: '/readyz', headers: { authorization: `Basic ${TOKEN}` }, status: 503, body: READYZ_FAILING, contentType: TEXT },
  { name: 'the bearer scheme is case-insensitive', method: 'GET', path: '/readyz/redis', headers: { authorization: `bearer ${TOKEN}` }, status: 503, body: '[-]redis failed: connect ECONNREFUSED 127.0.0.1:6379 (took 0 ms, never succeeded)\nreadyz check failed\n', contentType: TEXT },
  { name: 'a per-check path that passes', method: 'GET', path: '/readyz/postgres', status: 200, body: 'ok', contentType: TEXT },
  { name: 'a per-check path that fails', method: 'GET', path: '/readyz/redis', status: 503, body: '[-]redis failed: reason withheld\nreadyz check failed\n', contentType: TEXT },
  { name: 'a per-check path for a built-in line', method: 'GET', path: '/readyz/shutdown?verbose', status: 200, body: '[+]shutdown ok\nreadyz check passed\n', contentType: TEXT },
  { name: 'a check not on that probe is 404', method: 'GET', path: '/livez/redis', status: 404, body: 'no check named "redis" on livez\n', contentType: TEXT },
  { name: 'healthz covers every probe', method: 'GET', path: '/healthz', status: 503, body: '[+]eventloop ok\n[+]jobs ok\n[+]startup ok\n[+]shutdown ok\n[+]postgres ok\n[!]search-cache warn: reason withheld\n[-]redis failed: reason withheld\n[+]migrations ok\nhealthz check failed\n', contentType: TEXT },
  { name: 'POST is 405 with Allow', method: 'POST', path: '/readyz', status: 405, body: 'method not allowed\n', contentType: TEXT, allow: 'GET, HEAD' },
  { name: 'DELETE on a per-check path is 405', method: 'DELETE', path: '/livez/jobs', status: 405, body: 'method not allowed\n', contentType: TEXT, allow: 'GET, HEAD' },
  { name: 'an unknown path is 404', method: 'GET', path: '/health', status: 404, body: 'not found\n', contentType: TEXT },
  { name: 'a trailing slash is not a probe path', method: 'GET', path: '/readyz/', status: 404, body: 'not found\n', contentType: TEXT },
  {
    name: 'Accept: application/health+json gives the IETF format without details',
    method: 'GET',
    path: '/readyz',
    headers: { accept: 'application/health+json' },
    status: 503,
    contentType: JSON_TYPE,
    body: (json) =>
      assert.deepEqual(json, {
        status: 'fail',
        description: 'probekit readyz',
        output: 'readyz check failed',
        checks: {
          eventloop: [{ status: 'pass', componentType: 'system' }],
          startup: [{ status: 'pass', componentType: 'system' }],
          shutdown: [{ status: 'pass', componentType: 'system' }],
          'postgres:responseTime': [{ status: 'pass' }],
          'search-cache': [{ status: 'warn' }],
          redis: [{ status: 'fail' }],
        },
      }),
  },
  {
    name: '?format=json with the token carries output, observed values and time',
    method: 'GET',
    path: '/livez?format=json',
    headers: auth,
    status: 200,
    contentType: JSON_TYPE,
    body: (json) => {
      const doc = json as { status: string; checks: Record<string, Array<Record<string, unknown>>> };
      assert.equal(doc.status, 'pass');
      assert.deepEqual(Object.keys(doc.checks), ['eventloop', 'jobs']);
      assert.equal(doc.checks['jobs']?.[0]?.['probekit:dependency'], false);
      assert.deepEqual(doc.checks['jobs']?.[0]?.['probekit:probes'], ['liveness']);
    },
  },
  {
    name: 'application/json is accepted too, with details for a measured check',
    method: 'GET',
    path: '/readyz/postgres',
    headers: { accept: 'text/html;q=0.9, application/json', ...auth },
    status: 200,
    contentType: JSON_TYPE,
    body: (json) =>
      assert.deepEqual(json, {
        status: 'pass',
        description: 'probekit readyz',
        checks: {
          'postgres:responseTime': [
            {
              status: 'pass',
              time: new Date(1_700_000_000_000).toISOString(),
              observedValue: 2,
              observedUnit: 'ms',
              'probekit:dependency': false,
              'probekit:probes': ['readiness'],
              'probekit:lastSuccess': new Date(1_700_000_000_000).toISOString(),
            },
          ],
        },
      }),
  },
  { name: 'text wins when preferred by q', method: 'GET', path: '/readyz/postgres', headers: { accept: 'application/json;q=0.5, text/plain' }, status: 200, body: 'ok', contentType: TEXT },
];

/** Minimal response shape both fetch and adapters' test clients give. */
export interface ContractResponse {
  readonly status: number;
  header(name: string): string | null | undefined;
  readonly body: string;
}

/** Asserts one case, with the case name in every message. */
export function assertCase(c: ContractCase, response: ContractResponse): void {
  const where = `${c.method} ${c.path}: ${c.name}`;
  assert.equal(response.status, c.status, `${where}: status`);
  assert.equal(response.header('content-type'), c.contentType, `${where}: content-type`);
  assert.equal(response.header('cache-control'), 'no-store', `${where}: cache-control`);
  assert.equal(response.header('x-content-type-options'), 'nosniff', `${where}: nosniff`);
  if (c.allow !== undefined) assert.equal(response.header('allow'), c.allow, `${where}: allow`);
  if (c.method === 'HEAD') {
    assert.equal(response.body, '', `${where}: HEAD has no body`);
    return;
  }
  if (typeof c.body === 'string') assert.equal(response.body, c.body, `${where}: body`);
  else c.body(JSON.parse(response.body));
}

/** Runs every case with fetch against a base URL. */
export async function assertContractOver(baseUrl: string): Promise<void> {
  for (const c of CONTRACT_CASES) {
    const res = await fetch(baseUrl + c.path, { method: c.method, headers: c.headers ?? {} });
    const body = await res.text();
    assertCase(c, { status: res.status, header: (name) => res.headers.get(name), body });
  }
}
