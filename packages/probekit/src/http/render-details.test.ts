import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckSnapshot, HealthSnapshot } from '../engine/types.js';
import { checkSnapshot, healthSnapshot } from '../engine/test-fixtures/snapshots.js';
import { quoteUnmatched, render, wantsJson, type ProbeRequest } from './render.js';

// Written against the survivors of the engine scope's mutation run (docs/testing.md): what the
// details token adds to each line (the text suffix and the JSON fields), spelled out by hand from
// the documented formats. Snapshots are built by hand, so every run time and duration is exact.

const TOKEN = 'a-details-token-0123456789';
const T = 1_700_000_000_000; // 2023-11-14T22:13:20.000Z
const NOW = T + 20_000;

const check = checkSnapshot;

/** Readiness without the eventloop line, startup complete: the lines are startup, shutdown, then the checks. */
function snapshot(checks: readonly CheckSnapshot[], overrides: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return healthSnapshot({ time: NOW, startedAt: T, checks, ...overrides });
}

function get(s: HealthSnapshot, url: string, withToken: boolean, request: Partial<ProbeRequest> = {}) {
  return render(s, { method: 'GET', url, ...(withToken ? { authorization: `Bearer ${TOKEN}` } : {}), ...request }, { now: NOW, loopBlockedMs: 0, detailsToken: TOKEN });
}

// A failing dependency: last passed 12 s before NOW, its last run took 250 ms and measured 3 conns.
const db = check({
  name: 'db',
  status: 'fail',
  dependency: true,
  componentType: 'datastore',
  reason: 'connect ECONNREFUSED',
  lastRun: { ok: false, at: T + 19_000, durationMs: 250, reason: 'connect ECONNREFUSED', details: { observedValue: 3, observedUnit: 'conns' } },
  lastSuccessAt: T + 8000,
  consecutiveFailures: 2,
  consecutiveSuccesses: 0,
});
// A passing check whose observed value is its own duration in ms: shown once, as `took`.
const api = check({
  name: 'api',
  probes: ['readiness', 'liveness'],
  lastRun: { ok: true, at: T + 19_500, durationMs: 12, details: { observedValue: 12, observedUnit: 'ms', output: 'HTTP 200' } },
  lastSuccessAt: T + 19_500,
});
// A check that has failed on every run: no last success.
const cold = check({
  name: 'cold',
  status: 'fail',
  reason: 'timed out after 1 s',
  reasonPublic: true,
  lastRun: { ok: false, at: T + 19_900, durationMs: 1000, reason: 'timed out after 1 s', timedOut: true },
  consecutiveFailures: 3,
  consecutiveSuccesses: 0,
});

describe('the details suffix of text lines', () => {
  test('with the token: took, observed with its unit, last success ago; an observed value equal to the duration in ms is not repeated', () => {
    const r = get(snapshot([db, api, cold]), '/readyz?verbose', true);
    assert.equal(r.status, 503);
    assert.equal(
      r.body,
      [
        '[+]startup ok',
        '[+]shutdown ok',
        '[-]db failed: connect ECONNREFUSED (took 250 ms, observed 3 conns, last success 12 s ago)',
        '[+]api ok (took 12 ms)',
        '[-]cold failed: timed out after 1 s (took 1 s, never succeeded)',
        'readyz check failed',
        '',
      ].join('\n'),
    );
  });

  test('without the token: no suffix, and a private reason is withheld', () => {
    const r = get(snapshot([db, api, cold]), '/readyz?verbose', false);
    assert.equal(
      r.body,
      ['[+]startup ok', '[+]shutdown ok', '[-]db failed: reason withheld', '[+]api ok', '[-]cold failed: timed out after 1 s', 'readyz check failed', ''].join('\n'),
    );
  });

  test('an observed value without a unit, or in ms but not the duration, is shown; a line with nothing to add gets no parentheses', () => {
    const bare = check({ name: 'pool', lastRun: { ok: true, at: T, durationMs: 5, details: { observedValue: 7 } } });
    const slow = check({ name: 'lag', lastRun: { ok: true, at: T, durationMs: 5, details: { observedValue: 40, observedUnit: 'ms' } } });
    const never = check({ name: 'fresh', status: 'pending', critical: false, reason: 'not yet checked', reasonPublic: true });
    const r = get(snapshot([bare, slow, never], { shuttingDown: true }), '/readyz?verbose', true);
    assert.equal(
      r.body,
      [
        '[+]startup ok',
        '[-]shutdown failed: process is shutting down',
        '[+]pool ok (took 5 ms, observed 7)',
        '[+]lag ok (took 5 ms, observed 40 ms)',
        '[!]fresh warn: not yet checked (never succeeded)',
        'readyz check failed',
        '',
      ].join('\n'),
    );
  });

  test('a failing heartbeat with the token: its last beat, and never "never succeeded"; a passing heartbeat has no suffix', () => {
    const stale = check({ name: 'jobs', kind: 'heartbeat', probes: ['liveness'], status: 'fail', reason: 'no heartbeat within 1 s', reasonPublic: true, lastSuccessAt: T + 18_500 });
    const beating = check({ name: 'mail', kind: 'heartbeat', probes: ['liveness'], lastSuccessAt: T + 19_999 });
    const orphan = check({ name: 'queue', kind: 'heartbeat', probes: ['liveness'], status: 'fail', reason: 'no heartbeat within 1 s', reasonPublic: true });
    const r = get(snapshot([stale, beating, orphan]), '/livez?verbose', true);
    assert.equal(
      r.body,
      ['[-]jobs failed: no heartbeat within 1 s (last success 1.5 s ago)', '[+]mail ok', '[-]queue failed: no heartbeat within 1 s', 'livez check failed', ''].join('\n'),
    );
  });

  test('a last success stamped after `now` (another thread’s clock) reads 0 ms ago, never negative', () => {
    const ahead = check({ name: 'db', status: 'fail', reason: 'down', reasonPublic: true, lastSuccessAt: NOW + 40 });
    const r = get(snapshot([ahead]), '/readyz', true);
    assert.equal(r.body, ['[+]startup ok', '[+]shutdown ok', '[-]db failed: down (last success 0 ms ago)', 'readyz check failed', ''].join('\n'));
  });
});

describe('the JSON details fields', () => {
  test('without the token: status, componentType (system for built-in lines) and public reasons only', () => {
    const r = get(snapshot([db, api, cold]), '/readyz?format=json', false);
    assert.equal(r.headers['content-type'], 'application/health+json');
    assert.deepEqual(JSON.parse(r.body), {
      status: 'fail',
      description: 'probekit readyz',
      output: 'readyz check failed',
      checks: {
        startup: [{ status: 'pass', componentType: 'system' }],
        shutdown: [{ status: 'pass', componentType: 'system' }],
        db: [{ status: 'fail', componentType: 'datastore' }],
        'api:responseTime': [{ status: 'pass' }],
        cold: [{ status: 'fail', output: 'timed out after 1 s' }],
      },
    });
  });

  test('with the token: time, observedValue and observedUnit, the output with its suffix, the probekit fields', () => {
    const r = get(snapshot([db, api, cold]), '/readyz?format=json', true);
    assert.deepEqual(JSON.parse(r.body), {
      status: 'fail',
      description: 'probekit readyz',
      output: 'readyz check failed',
      checks: {
        startup: [{ status: 'pass', componentType: 'system' }],
        shutdown: [{ status: 'pass', componentType: 'system' }],
        db: [
          {
            status: 'fail',
            componentType: 'datastore',
            time: '2023-11-14T22:13:39.000Z',
            observedValue: 3,
            observedUnit: 'conns',
            output: 'connect ECONNREFUSED (took 250 ms, observed 3 conns, last success 12 s ago)',
            'probekit:dependency': true,
            'probekit:probes': ['readiness'],
            'probekit:lastSuccess': '2023-11-14T22:13:28.000Z',
          },
        ],
        'api:responseTime': [
          {
            status: 'pass',
            time: '2023-11-14T22:13:39.500Z',
            observedValue: 12,
            observedUnit: 'ms',
            output: 'HTTP 200',
            'probekit:dependency': false,
            'probekit:probes': ['readiness', 'liveness'],
            'probekit:lastSuccess': '2023-11-14T22:13:39.500Z',
          },
        ],
        cold: [
          {
            status: 'fail',
            time: '2023-11-14T22:13:39.900Z',
            output: 'timed out after 1 s (took 1 s, never succeeded)',
            'probekit:dependency': false,
            'probekit:probes': ['readiness'],
          },
        ],
      },
    });
  });

  test('a measurement names the key; a componentType from the run is used when the check has none; a pass without output has none', () => {
    const pool = check({ name: 'pool', lastRun: { ok: true, at: T, durationMs: 4, details: { observedValue: 2, measurement: 'waiting', componentType: 'pool' } } });
    const lag = check({ name: 'lag', lastRun: { ok: true, at: T, durationMs: 4, details: { observedValue: 40, observedUnit: 'ms', measurement: 'lag' } } });
    const plainRun = check({ name: 'plain', lastRun: { ok: true, at: T, durationMs: 4 } });
    const r = get(snapshot([pool, lag, plainRun]), '/readyz?format=json', true);
    const doc = JSON.parse(r.body) as { status: string; checks: Record<string, unknown> };
    assert.equal(doc.status, 'pass');
    assert.deepEqual(Object.keys(doc.checks), ['startup', 'shutdown', 'pool:waiting', 'lag:lag', 'plain']);
    assert.deepEqual(doc.checks['pool:waiting'], [
      { status: 'pass', componentType: 'pool', time: '2023-11-14T22:13:20.000Z', observedValue: 2, 'probekit:dependency': false, 'probekit:probes': ['readiness'] },
    ]);
    assert.deepEqual(doc.checks['plain'], [{ status: 'pass', time: '2023-11-14T22:13:20.000Z', 'probekit:dependency': false, 'probekit:probes': ['readiness'] }]);
  });
});

describe('wantsJson: content negotiation by q-value (RFC 9110 §12.5.1)', () => {
  // Only the four types probekit serves count; the highest q wins, the first listed on a tie;
  // q=0 means "not acceptable" (RFC 9110 §12.4.2). The kubelet sends `*/*` (text).
  const cases: Array<[string | undefined, boolean, string]> = [
    [undefined, false, 'no Accept header'],
    ['', false, 'an empty header'],
    ['*/*', false, 'the kubelet’s Accept'],
    ['application/json', true, 'JSON alone'],
    ['application/health+json', true, 'health+json alone'],
    ['APPLICATION/JSON', true, 'media types are case-insensitive'],
    ['application/problem+json', false, 'a JSON-flavoured type probekit does not serve'],
    ['text/plain, application/json', false, 'a tie goes to the first listed'],
    ['application/json, text/plain', true, 'a tie goes to the first listed (JSON)'],
    ['text/*, application/json', false, 'text/* counts as text'],
    ['image/png, application/json', true, 'types probekit does not serve are ignored'],
    ['application/json;q=0.5, image/png', true, 'an ignored type never takes the lead'],
    ['text/plain;q=0.5, application/json', true, 'the higher q wins'],
    ['application/json, text/plain;q=0.5', true, 'a later, lower q does not win'],
    ['application/json;q=0.5, text/plain', false, 'the higher q wins (text)'],
    ['text/plain;q=0.9, application/json; q=0.5', false, 'whitespace before a parameter'],
    ['application/json;q=0', false, 'q=0: not acceptable'],
    ['application/json;q=abc', false, 'an unreadable q counts as 0'],
    ['application/json;q=0.5;level=1, text/plain;q=0.8', false, 'only the q parameter sets q'],
    ['application/json;q, text/plain;q=0.5', true, 'a q without a value leaves q at 1'],
  ];
  for (const [accept, json, why] of cases) {
    test(`${JSON.stringify(accept) ?? 'undefined'} → ${json ? 'JSON' : 'text'} (${why})`, () => {
      assert.equal(wantsJson(accept), json);
      const s = snapshot([]);
      assert.equal(get(s, '/livez', false, { accept }).headers['content-type'], json ? 'application/health+json' : 'text/plain; charset=utf-8');
    });
  }
});

describe('probe paths and /<probe>/<check>', () => {
  const s = snapshot([check({ name: 'db' }), check({ name: 'a b' })]);
  const cases: Array<[string, number, string]> = [
    ['/readyz/db', 200, 'ok'],
    ['/readyz/a%20b', 200, 'ok'],
    ['/readyz/', 404, 'not found\n'],
    ['/readyz/db/extra', 404, 'not found\n'],
    ['/readyz/a%2Fb', 404, 'not found\n'],
    ['/readyz/%E0%A4%A', 404, 'not found\n'],
    ['/metrics/db', 404, 'not found\n'],
    ['/livezdb', 404, 'not found\n'],
    ['/readyz/redis', 404, 'no check named "redis" on readyz\n'],
    ['/livez/db', 404, 'no check named "db" on livez\n'],
  ];
  for (const [url, status, body] of cases) {
    test(`GET ${url} → ${status} ${JSON.stringify(body)}`, () => {
      const r = get(s, url, false);
      assert.equal(r.status, status);
      assert.equal(r.body, body);
    });
  }
});

describe('from the whole-scope run', () => {
  test('an observed value equal to the duration is shown when its unit is not ms', () => {
    const conns = check({ name: 'pool', lastRun: { ok: true, at: T, durationMs: 5, details: { observedValue: 5, observedUnit: 'conns' } } });
    const bare = check({ name: 'bare', lastRun: { ok: true, at: T, durationMs: 5, details: { observedValue: 5 } } });
    const r = get(snapshot([conns, bare]), '/readyz?verbose', true);
    assert.equal(r.body, ['[+]startup ok', '[+]shutdown ok', '[+]pool ok (took 5 ms, observed 5 conns)', '[+]bare ok (took 5 ms, observed 5)', 'readyz check passed', ''].join('\n'));
  });

  test('exactly 8 unmatched exclude names are all quoted, with no "and 0 more"; the 9th is counted', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    assert.equal(quoteUnmatched(names), '"a","b","c","d","e","f","g","h"');
    assert.equal(quoteUnmatched([...names, 'i']), '"a","b","c","d","e","f","g","h" and 1 more');
    const r = get(snapshot([]), `/livez?${names.map((n) => `exclude=${n}`).join('&')}`, false);
    assert.equal(r.body, 'ok');
    const v = get(snapshot([]), `/livez?verbose&${names.map((n) => `exclude=${n}`).join('&')}`, false);
    assert.equal(v.body, 'warn: some health checks cannot be excluded: no matches for "a","b","c","d","e","f","g","h"\nlivez check passed\n');
  });
});
