import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { skipUnlessTool } from '@probekit/test-support';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'status-page-test-token';

/** Set to a path to keep the screenshot (docs/status-page.png is taken this way). */
const KEEP_SCREENSHOT = process.env['PROBEKIT_STATUS_SCREENSHOT'];

test(
  'the status page in headless Chromium: every check with its strip, refreshed live from the worker while the main loop is blocked, nothing external',
  { skip: await skipUnlessTool('chromium', existsSync(CHROMIUM)), timeout: 120_000 },
  async () => {
    const fixture = fileURLToPath(new URL('./test-fixtures/status-service.js', import.meta.url));
    const child = spawn(process.execPath, [fixture, 'worker'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<string> => String((await lines.next()).value);
    const dir = await mkdtemp(join(tmpdir(), 'probekit-status-'));
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 560 },
    });
    try {
      const url = await next();
      const page = context.pages()[0] ?? (await context.newPage());
      const requested: string[] = [];
      const problems: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));

      /** Waits until the header's probe pills match `pattern`. NOTE: locators, not waitForFunction: the page's CSP forbids eval. */
      const probesSay = (pattern: RegExp) => page.locator('#probes', { hasText: pattern }).waitFor({ timeout: 30_000 });

      // Some probe traffic, as the kubelet would send it, for the request counts.
      for (const path of ['/startupz', '/livez', '/livez', '/livez', '/readyz', '/readyz']) await (await fetch(url + path)).text();
      await page.goto(`${url}/statusz?token=${TOKEN}`);
      // NOTE: waits are on content, never on time: the strips fill as the checks run (every 120 ms).
      await page.locator('#checks tr').nth(5).waitFor({ timeout: 30_000 });
      await page.locator('.strip span.fail').nth(5).waitFor({ timeout: 30_000 });
      const rows = await page.$$eval('#checks tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)));
      assert.deepEqual(
        rows.map((r) => r[0]),
        ['migrations', 'postgres', 'redis', 'search-cache', 'self', 'jobs'],
      );
      assert.deepEqual(rows.find((r) => r[0] === 'search-cache'), ['search-cache', 'readiness (non-critical)', 'warn']);
      assert.deepEqual(rows.find((r) => r[0] === 'jobs')?.slice(1), ['liveness', 'pass']);
      const searchStrip = await page.$$eval('#checks tr:nth-child(4) .strip span:not(.empty)', (bars) => bars.map((b) => b.className));
      assert.ok(searchStrip.length > 0 && searchStrip.every((c) => c === 'fail'), `search-cache strip all red: ${searchStrip.join(' ')}`);
      assert.match((await page.textContent('#checks tr:nth-child(4) td.reason')) ?? '', /^pending → warn .* ago: ETIMEDOUT search:9200$/);
      const livez = await page.$$eval('#requests tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)).find((cells) => cells[0] === '/livez'));
      assert.equal(livez?.slice(1).reduce((sum, cell) => sum + Number(cell), 0), 3, `livez requests counted: ${JSON.stringify(livez)}`);
      assert.match((await page.textContent('#probes')) ?? '', /^\/startupz ok\/livez ok\/readyz (ok|failing).*started.*main loop running$/);

      // Block the main loop: the page keeps refreshing from the worker and says so.
      child.stdin.write('block 5000\n');
      assert.equal(await next(), 'blocking');
      await probesSay(/main loop blocked\s*\d+(\.\d)? s/);
      await probesSay(/\/readyz failing\s*eventloop/);
      const shot = join(dir, 'status-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.equal(await next(), 'unblocked');
      await probesSay(/main loop running/);

      const png = await readFile(shot);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
      assert.ok(png.length > 20_000, `a screenshot with content, got ${png.length} bytes`);
      if (KEEP_SCREENSHOT) await copyFile(shot, KEEP_SCREENSHOT);

      assert.ok(requested.length > 3, 'the page polled its data');
      assert.deepEqual(
        requested.filter((r) => !r.startsWith(`${url}/`)),
        [],
        'every request goes to the probe server: no external assets',
      );
      assert.deepEqual(problems, [], 'no script error and no CSP violation');
    } finally {
      await context.close();
      child.kill();
      await once(child, 'exit');
      await rm(dir, { recursive: true, force: true });
    }
  },
);
