import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { createHealth } from '../health.js';
import { STATUS_HISTORY_LENGTH, StatusHistory } from './status-history.js';
import { STATUS_PAGE_HTML } from './status-page-html.js';
import { respondStatusPage, statusView, type StatusView } from './status-page.js';

const TOKEN = 'status-token-123';

describe('the status history', () => {
  test(`keeps the last ${STATUS_HISTORY_LENGTH} runs of each check, oldest first, and the last transition with its reason`, async () => {
    const clock = new VirtualClock(0);
    const engine = new HealthEngine({ clock });
    const history = new StatusHistory(engine);
    let run = 0;
    // Runs every 100 ms taking 10 ms; run 50 fails.
    engine.readiness('db', () => new Promise<void>((resolve, reject) => clock.setTimeout(() => ((run += 1) === 50 ? reject(new Error('db down')) : resolve()), 10)), {
      intervalMs: 100,
      failingIntervalMs: 100,
    });
    try {
      await clock.advance(100 * 54 + 20);
      const db = history.read()['db'];
      assert.ok(db);
      assert.equal(run, 55);
      assert.equal(db.recent.length, STATUS_HISTORY_LENGTH);
      // Runs 16..55 are kept: run k ends at (k-1)*100 + 10.
      assert.deepEqual(db.recent[0], { at: 1510, ok: true, durationMs: 10 });
      assert.deepEqual(db.recent.at(-1), { at: 5410, ok: true, durationMs: 10 });
      assert.deepEqual(
        db.recent.filter((r) => !r.ok).map((r) => r.at),
        [4910],
      );
      assert.deepEqual(db.transition, { at: 5010, from: 'fail', to: 'pass' });
      assert.ok(db.recent.every((r, i) => i === 0 || r.at - db.recent[i - 1]!.at === 100));
    } finally {
      history.close();
      engine.stop();
    }
  });

  test('a failing transition carries the reason, and a heartbeat has a transition but no runs', async () => {
    const clock = new VirtualClock(0);
    const engine = new HealthEngine({ clock });
    const history = new StatusHistory(engine);
    engine.readiness('redis', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')));
    const jobs = engine.heartbeat('jobs', { timeoutMs: 1000 });
    jobs.beat();
    try {
      await clock.advance(1500);
      const read = history.read();
      assert.deepEqual(read['redis']?.transition, { at: 0, from: 'pending', to: 'fail', reason: 'connect ECONNREFUSED 127.0.0.1:6379' });
      assert.equal(read['redis']?.recent.length, 2);
      assert.deepEqual(read['jobs']?.recent, []);
      assert.equal(read['jobs']?.transition?.to, 'fail');
    } finally {
      history.close();
      engine.stop();
    }
  });
});

describe('/statusz', () => {
  async function scenario() {
    const clock = new VirtualClock(0);
    const engine = new HealthEngine({ clock });
    const history = new StatusHistory(engine);
    engine.readiness('db', () => new Promise<void>((resolve) => clock.setTimeout(() => resolve(), 20)));
    engine.readiness('redis', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')), { failingIntervalMs: 1000 });
    await clock.advance(1500);
    const context = () => ({
      snapshot: engine.snapshot(),
      now: clock.now(),
      loopBlockedMs: 0,
      thread: 'main' as const,
      detailsToken: TOKEN,
      history: history.read(),
      requests: [{ probe: 'readyz', code: '503', count: 3 }],
    });
    return { engine, history, context, close: () => (history.close(), engine.stop()) };
  }

  const cases: ReadonlyArray<{ name: string; method?: string; url: string; authorization?: string; token?: string | undefined; status: number | undefined; type?: string }> = [
    { name: 'off without a details token: left to the probe renderer (404)', url: '/statusz', authorization: `Bearer ${TOKEN}`, token: undefined, status: undefined },
    { name: 'other paths are not its business', url: '/statuszz', authorization: `Bearer ${TOKEN}`, status: undefined },
    { name: 'no token presented', url: '/statusz', status: 401, type: 'text/plain; charset=utf-8' },
    { name: 'a wrong bearer token', url: '/statusz', authorization: 'Bearer nope-nope-nope', status: 401 },
    { name: 'a wrong query token', url: '/statusz?token=nope-nope-nope', status: 401 },
    { name: 'an empty query token', url: '/statusz?token=', status: 401 },
    { name: 'the bearer token gets the page', url: '/statusz', authorization: `Bearer ${TOKEN}`, status: 200, type: 'text/html; charset=utf-8' },
    { name: 'the query token gets the page', url: `/statusz?token=${TOKEN}`, status: 200, type: 'text/html; charset=utf-8' },
    { name: 'format=json gets the data', url: `/statusz?format=json&token=${TOKEN}`, status: 200, type: 'application/json; charset=utf-8' },
    { name: 'POST is refused', method: 'POST', url: `/statusz?token=${TOKEN}`, status: 405 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { context, close } = await scenario();
      try {
        const token = 'token' in c ? c.token : TOKEN;
        const response = respondStatusPage({ method: c.method ?? 'GET', url: c.url, authorization: c.authorization }, context, token);
        assert.equal(response?.status, c.status);
        if (c.type) assert.equal(response?.headers['content-type'], c.type);
        if (c.status === 401) assert.equal(response?.headers['www-authenticate'], 'Bearer realm="probekit"');
        if (c.status === 405) assert.equal(response?.headers['allow'], 'GET, HEAD');
        if (response) assert.equal(response.headers['content-length'], String(Buffer.byteLength(response.body)));
      } finally {
        close();
      }
    });
  }

  test('the page is one self-contained document: inline script and style allowed by hash, nothing external', async () => {
    const { context, close } = await scenario();
    try {
      const response = respondStatusPage({ method: 'GET', url: '/statusz', authorization: `Bearer ${TOKEN}` }, context, TOKEN)!;
      assert.equal(response.body, STATUS_PAGE_HTML);
      assert.doesNotMatch(response.body, /(src|href)=|url\(|@import|https?:\/\//);
      assert.match(response.headers['content-security-policy'] ?? '', /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; style-src 'sha256-[A-Za-z0-9+/]+=*'; connect-src 'self'/);
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
      const head = respondStatusPage({ method: 'HEAD', url: '/statusz', authorization: `Bearer ${TOKEN}` }, context, TOKEN)!;
      assert.equal(head.body, '');
      assert.equal(head.headers['content-length'], response.headers['content-length']);
    } finally {
      close();
    }
  });

  test('the data: each check with its status, recent runs, last transition and reason; probes, startup, shutdown, requests', async () => {
    const { engine, context, close } = await scenario();
    try {
      const response = respondStatusPage({ method: 'GET', url: '/statusz?format=json', authorization: `Bearer ${TOKEN}` }, context, TOKEN)!;
      const view = JSON.parse(response.body) as StatusView;
      assert.deepEqual(view, statusView(context()));
      assert.equal(view.now, 1500);
      assert.deepEqual(view.probes, [
        { endpoint: 'startupz', ok: true, failing: [] },
        { endpoint: 'livez', ok: true, failing: [] },
        { endpoint: 'readyz', ok: false, failing: ['redis'] },
      ]);
      assert.equal(view.started, true);
      assert.equal(view.shuttingDown, false);
      assert.deepEqual(view.requests, [{ probe: 'readyz', code: '503', count: 3 }]);
      const [db, redis] = view.checks;
      assert.deepEqual(db?.recent, [{ at: 20, ok: true, durationMs: 20 }]);
      assert.deepEqual(db?.transition, { at: 20, from: 'pending', to: 'pass' });
      assert.equal(redis?.status, 'fail');
      assert.equal(redis?.reason, 'connect ECONNREFUSED 127.0.0.1:6379');
      assert.deepEqual(
        redis?.recent.map((r) => [r.at, r.ok]),
        [
          [0, false],
          [1000, false],
        ],
      );
      assert.deepEqual(redis?.transition, { at: 0, from: 'pending', to: 'fail', reason: 'connect ECONNREFUSED 127.0.0.1:6379' });
      engine.beginShutdown();
      await Promise.resolve();
      const after = statusView(context());
      assert.equal(after.shuttingDown, true);
      assert.deepEqual(after.probes[2]?.failing.includes('shutdown'), true);
    } finally {
      close();
    }
  });
});

function lineFrom(stdout: Readable): () => Promise<string> {
  const lines = createInterface({ input: stdout });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : queue.push(line)));
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve)));
}

describe('the probe servers serve /statusz', () => {
  for (const thread of ['worker', 'main'] as const) {
    test(`${thread} thread: off without a token (404), the page and its data with one`, async () => {
      const off = createHealth({ env: {}, port: 0, host: '127.0.0.1', thread });
      const on = createHealth({ env: {}, port: 0, host: '127.0.0.1', thread, detailsToken: TOKEN });
      for (const h of [off, on]) h.readiness('db', () => undefined, { intervalMs: 50 });
      const [offServer, onServer] = [await off.listen(), await on.listen()];
      try {
        assert.equal((await fetch(`${offServer.url}/statusz?token=${TOKEN}`)).status, 404);
        assert.equal((await fetch(`${onServer.url}/statusz`)).status, 401);
        const page = await fetch(`${onServer.url}/statusz?token=${TOKEN}`);
        assert.equal(page.status, 200);
        assert.equal(await page.text(), STATUS_PAGE_HTML);
        // The worker's copy of the history arrives with the families, within a second of being read.
        let view: StatusView | undefined;
        for (let i = 0; i < 50 && !(view && (view.checks[0]?.recent.length ?? 0) >= 2); i++) {
          view = (await (await fetch(`${onServer.url}/statusz?format=json`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as StatusView;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.equal(view?.thread, thread);
        assert.ok((view?.checks[0]?.recent.length ?? 0) >= 2, `recent runs reach the ${thread} thread: ${JSON.stringify(view?.checks[0])}`);
        assert.ok(view?.requests.some((r) => r.probe === 'other' && r.code === '401' && r.count === 1), 'requests counted');
      } finally {
        await off.close();
        await on.close();
      }
    });
  }

  test('the worker answers the page data while the main loop is blocked, and says it is', async () => {
    const fixture = fileURLToPath(new URL('./test-fixtures/status-service.js', import.meta.url));
    const child = spawn(process.execPath, [fixture, 'worker'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const next = lineFrom(child.stdout);
    try {
      const url = await next();
      const data = async (): Promise<StatusView> => (await (await fetch(`${url}/statusz?format=json&token=status-page-test-token`)).json()) as StatusView;
      assert.equal((await data()).loopBlockedMs, 0);
      child.stdin.write('block 4000\n');
      assert.equal(await next(), 'blocking');
      let during: StatusView | undefined;
      const start = performance.now();
      // NOTE: no latency bound here (the machine may be slow); only that answers come, and what they say.
      while (performance.now() - start < 10_000) {
        during = await data();
        if (during.loopBlockedMs >= 1000) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok((during?.loopBlockedMs ?? 0) >= 1000, `blocked time seen: ${during?.loopBlockedMs}`);
      assert.deepEqual(during?.probes.find((p) => p.endpoint === 'readyz')?.failing.includes('eventloop'), true);
      assert.equal(await next(), 'unblocked');
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });
});
