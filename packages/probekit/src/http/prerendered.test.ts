import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { createHealth } from '../health.js';
import { contractHealth, TOKEN } from './test-fixtures/contract-table.js';
import { PrerenderedProbes, prerenderedSlot, slotFor } from './prerendered.js';
import type { IncomingMessage } from 'node:http';
import { render } from './render.js';
import type { ProbeThread } from './server.js';

/** One HTTP/1.1 request over a fresh socket, header lines exactly as given; the raw response back. */
function raw(port: number, method: string, path: string, headerLines: readonly string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.write([`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headerLines, 'Connection: close', '', ''].join('\r\n'));
  });
}

/** A raw response without its Date line, which moves every second. */
const withoutDate = (response: string): string => response.replace(/\r\nDate: [^\r]*/, '');

const body = (response: string): string => response.slice(response.indexOf('\r\n\r\n') + 4);

describe('pre-rendered probe answers', () => {
  test('are reused while the lines stay the same, re-rendered when they change, and equal render()', async () => {
    const clock = new VirtualClock();
    const health = createHealth({ clock, env: {} });
    let failing = false;
    health.readiness(
      'db',
      () => {
        if (failing) throw new Error('connect ECONNREFUSED');
      },
      { intervalMs: 1000, failingIntervalMs: 1000 },
    );
    try {
      await clock.advance(1);
      const probes = new PrerenderedProbes(() => clock.now());
      const get = slotFor('GET', '/readyz');
      const head = slotFor('HEAD', '/readyz');
      const first = health.snapshot();
      const passing = probes.answer(get, first, 0);
      const expected = render(first, { method: 'GET', url: '/readyz' }, { now: clock.now(), loopBlockedMs: 0 });
      assert.deepEqual({ status: passing.status, headers: Object.fromEntries(pairs(passing.headers)), body: passing.body }, expected);

      await clock.advance(1000);
      const second = health.snapshot();
      assert.notEqual(second, first);
      assert.equal(second.checks[0]?.runs, (first.checks[0]?.runs ?? 0) + 1, 'a second run made a new snapshot');
      assert.equal(probes.answer(get, second, 0), passing, 'only the run count moved: the same answer object');

      failing = true;
      await clock.advance(1000);
      const third = health.snapshot();
      const failed = probes.answer(get, third, 0);
      assert.equal(failed.status, 503);
      assert.equal(failed.body, '[+]eventloop ok\n[+]startup ok\n[+]shutdown ok\n[-]db failed: reason withheld\nreadyz check failed\n');
      const headed = probes.answer(head, third, 0);
      assert.equal(headed.status, 503);
      assert.equal(headed.body, '');
      assert.deepEqual(headed.headers, failed.headers, 'HEAD has the same headers, content-length included');
    } finally {
      health.stop();
    }
  });

  test('slots: GET and HEAD of the four probe paths without a query, nothing else', () => {
    const slots = ['/livez', '/readyz', '/startupz', '/healthz'].flatMap((path) => [slotFor('GET', path), slotFor('HEAD', path)]);
    assert.deepEqual(slots, [0, 1, 2, 3, 4, 5, 6, 7]);
    for (const [method, url] of [['POST', '/livez'], ['GET', '/livez?verbose'], ['GET', '/livez/'], ['GET', '/readyz/db'], ['GET', '/metrics'], ['get', '/livez'], [undefined, '/livez']] as const) {
      assert.equal(slotFor(method, url), -1, `${method} ${url}`);
    }
  });

  test('an Accept naming JSON in any case leaves the slot to the full renderer, as wantsJson answers JSON for it', () => {
    const slot = (accept: string) => prerenderedSlot({ method: 'GET', url: '/livez', rawHeaders: ['Accept', accept] } as unknown as IncomingMessage, undefined);
    assert.equal(slot('*/*'), 0);
    assert.equal(slot('application/json'), -1);
    assert.equal(slot('APPLICATION/JSON'), -1);
  });

  for (const thread of ['main', 'worker'] as const satisfies readonly ProbeThread[]) {
    test(`a plain probe is answered byte for byte as the full renderer answers it (thread: ${thread})`, async () => {
      const { health } = await contractHealth();
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      try {
        for (const path of ['/livez', '/readyz', '/startupz', '/healthz']) {
          for (const method of ['GET', 'HEAD']) {
            // `/livez?` has an empty query: the same answer, but through the full renderer.
            const fast = withoutDate(await raw(server.port, method, path));
            const full = withoutDate(await raw(server.port, method, `${path}?`));
            assert.equal(fast, full, `${method} ${path}`);
            assert.match(fast, /^HTTP\/1\.1 (200 OK|503 Service Unavailable)\r\n/);
          }
        }
      } finally {
        await health.close();
      }
    });

    test(`header names in any case and repeated Accept headers are honoured (thread: ${thread})`, async () => {
      const { health } = await contractHealth();
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      try {
        const kubelet = await raw(server.port, 'GET', '/livez', ['User-Agent: kube-probe/1.30', 'Accept: */*']);
        assert.match(kubelet, /^HTTP\/1\.1 200 OK\r\n/);
        assert.equal(body(kubelet), 'ok');
        const shouted = await raw(server.port, 'GET', '/readyz', ['ACCEPT: application/health+json']);
        assert.match(shouted, /\r\ncontent-type: application\/health\+json\r\n/);
        assert.equal((JSON.parse(body(shouted)) as { status: string }).status, 'fail');
        // node:http joins them: `text/plain;q=0.5, application/json`, and JSON wins by q.
        const twice = await raw(server.port, 'GET', '/livez', ['Accept: text/plain;q=0.5', 'accept: application/json']);
        assert.match(twice, /\r\ncontent-type: application\/health\+json\r\n/);
        const token = await raw(server.port, 'GET', '/readyz', [`AUTHORIZATION: Bearer ${TOKEN}`]);
        assert.match(body(token), /^\[-\]redis failed: connect ECONNREFUSED 127\.0\.0\.1:6379 \(took 0 ms, never succeeded\)$/m);
        const stranger = await raw(server.port, 'GET', '/readyz', ['Authorization: Bearer not-the-token']);
        assert.match(body(stranger), /^\[-\]redis failed: reason withheld$/m);
      } finally {
        await health.close();
      }
    });
  }

  test('the worker sees every snapshot: details move with each run while the plain answer is reused', async () => {
    const clock = new VirtualClock();
    const health = createHealth({ clock, env: {}, detailsToken: TOKEN });
    let runs = 0;
    let failing = false;
    health.readiness(
      'db',
      () => {
        runs += 1;
        if (failing) throw new Error('connect ECONNREFUSED');
        return { observedValue: runs, observedUnit: 'rows' };
      },
      { intervalMs: 1000, failingIntervalMs: 1000 },
    );
    await clock.advance(1);
    const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
    const auth = { authorization: `Bearer ${TOKEN}` };
    try {
      assert.equal(await text(`${server.url}/readyz`), 'ok');
      await settled(`${server.url}/readyz?verbose`, auth, /\[\+\]db ok \(took 0 ms, observed 1 rows\)/);
      await clock.advance(1000);
      assert.equal(await text(`${server.url}/readyz`), 'ok');
      await settled(`${server.url}/readyz?verbose`, auth, /\[\+\]db ok \(took 0 ms, observed 2 rows\)/);
      failing = true;
      await clock.advance(1000);
      await settled(`${server.url}/readyz`, {}, /^\[\+\]eventloop ok\n\[\+\]startup ok\n\[\+\]shutdown ok\n\[-\]db failed: reason withheld\nreadyz check failed\n$/);
    } finally {
      await health.close();
    }
  });
});

function pairs(flat: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

async function text(url: string, headers: Record<string, string> = {}): Promise<string> {
  return (await fetch(url, { headers })).text();
}

/** Polls until the body matches: snapshots reach a worker asynchronously. */
async function settled(url: string, headers: Record<string, string>, pattern: RegExp): Promise<void> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const got = await text(url, headers);
    if (pattern.test(got)) return;
    if (performance.now() > deadline) assert.fail(`${url}: expected ${pattern}, got ${JSON.stringify(got)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
