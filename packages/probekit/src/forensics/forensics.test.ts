import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { Health } from '../health.js';
import { renderExposition } from '../metrics/exposition.js';
import { attachForensics } from './index.js';
import { MAIN_JOURNAL, STATE_FILE } from './files.js';
import { LivenessJournal } from './journal.js';
import { judge } from './verdict.js';

const fixture = fileURLToPath(new URL('./test-fixtures/liveness-service.js', import.meta.url));
const wedging = fileURLToPath(new URL('./test-fixtures/wedging-service.js', import.meta.url));

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly previous: Record<string, unknown>;
  readonly logs: string[];
}

/** Starts the fixture and waits (bounded) for its "listening" line. */
async function startService(stateDir: string, script = fixture): Promise<Started> {
  const child = spawn(process.execPath, [script, stateDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const logs: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<Started>((resolve, reject) => {
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { log?: string; url?: string; previous?: Record<string, unknown> };
      if (message.log !== undefined) logs.push(message.log);
      if (message.url !== undefined) resolve({ child, url: message.url, previous: message.previous ?? {}, logs });
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code} before listening`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    return await ready;
  } finally {
    clearTimeout(timer);
  }
}

/** A kubelet-like HTTP probe: GET, 1 s timeout, no keep-alive; 200-399 is success. */
async function probe(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000), headers: { 'user-agent': 'kube-probe/1.30', connection: 'close' } });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 400;
  } catch {
    return false;
  }
}

/** Polls like the kubelet (every `periodMs`) until `threshold` equal results in a row; bounded. */
async function untilConsecutive(url: string, want: boolean, threshold: number, periodMs: number, limitMs = 15_000): Promise<number> {
  let streak = 0;
  let probes = 0;
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    probes += 1;
    streak = (await probe(url)) === want ? streak + 1 : 0;
    if (streak >= threshold) return probes;
    await new Promise((r) => setTimeout(r, periodMs));
  }
  throw new Error(`no ${threshold} ${want ? 'successes' : 'failures'} in a row within ${limitMs} ms`);
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

async function metricLines(url: string, prefix: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

describe('restart forensics', () => {
  test('a process killed with SIGKILL after failing liveness is reported by the next process with the same state directory', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'probekit-forensics-'));
    const children: ChildProcess[] = [];
    try {
      const first = await startService(stateDir);
      children.push(first.child);
      assert.deepEqual(first.previous, { cause: 'none' });
      assert.deepEqual(first.logs, ['forensics: first start with this state directory']);
      await untilConsecutive(`${first.url}/livez`, true, 3, 100);
      // The consumer wedges: its heartbeat stops, liveness fails, and after failureThreshold=3 the kubelet kills.
      first.child.kill('SIGUSR2');
      await untilConsecutive(`${first.url}/livez`, false, 3, 100);
      await kill(first.child, 'SIGKILL');
      assert.equal(first.child.signalCode, 'SIGKILL');

      const second = await startService(stateDir);
      children.push(second.child);
      assert.equal(second.previous['cause'], 'liveness');
      assert.equal(second.previous['reason'], 'consumer: no heartbeat within 300 ms');
      assert.equal(second.previous['pid'], first.child.pid);
      assert.match(
        second.logs[0] ?? '',
        /^forensics: restart #1: the previous container was most likely killed by a failing liveness probe: consumer: no heartbeat within 300 ms \(failing for at least \d+(\.\d)? (ms|s) before the end\)$/,
      );
      assert.deepEqual(await metricLines(second.url, 'probekit_restarts_total'), [
        'probekit_restarts_total{cause="liveness"} 1',
        'probekit_restarts_total{cause="shutdown"} 0',
        'probekit_restarts_total{cause="unknown"} 0',
      ]);
      assert.deepEqual(await metricLines(second.url, 'probekit_previous_termination'), [
        'probekit_previous_termination{cause="liveness"} 1',
        'probekit_previous_termination{cause="shutdown"} 0',
        'probekit_previous_termination{cause="unknown"} 0',
      ]);

      // A graceful stop while liveness passes is not blamed on liveness.
      await untilConsecutive(`${second.url}/livez`, true, 1, 100);
      await kill(second.child, 'SIGTERM');
      const third = await startService(stateDir);
      children.push(third.child);
      assert.equal(third.previous['cause'], 'shutdown');
      assert.equal(third.logs[0], 'forensics: restart #2: the previous container shut down after beginning a graceful shutdown (liveness was passing)');
      assert.deepEqual(await metricLines(third.url, 'probekit_restarts_total'), [
        'probekit_restarts_total{cause="liveness"} 1',
        'probekit_restarts_total{cause="shutdown"} 1',
        'probekit_restarts_total{cause="unknown"} 0',
      ]);
      // And a SIGKILL with liveness passing (an OOM kill, say) is unknown.
      await kill(third.child, 'SIGKILL');
      const fourth = await startService(stateDir);
      children.push(fourth.child);
      assert.equal(fourth.previous['cause'], 'unknown');
    } finally {
      for (const child of children) await kill(child, 'SIGKILL');
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('a main loop wedged for good: the probe worker records the failing /livez answers, and the next process reports them', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'probekit-wedge-'));
    const children: ChildProcess[] = [];
    try {
      const first = await startService(stateDir, wedging);
      children.push(first.child);
      await untilConsecutive(`${first.url}/livez`, true, 3, 100);
      first.child.stdin!.write('wedge\n');
      // maxBlockMs is 1 s: the worker fails /livez with the reason after it, the main thread can write nothing.
      await untilConsecutive(`${first.url}/livez`, false, 3, 200);
      await kill(first.child, 'SIGKILL');
      const second = await startService(stateDir, wedging);
      children.push(second.child);
      assert.equal(second.previous['cause'], 'liveness');
      assert.match(String(second.previous['reason']), /^eventloop: event loop blocked for \d+(\.\d)? s$/);
      // Rate-limited: the flip is written at once, the count refreshed at most once a second.
      assert.ok(Number(second.previous['failures']) >= 1, `failures ${String(second.previous['failures'])}`);
    } finally {
      for (const child of children) await kill(child, 'SIGKILL');
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('the journal writes a flip at once and refreshes a failing record at most every minWriteIntervalMs', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'probekit-journal-'));
    const clock = new VirtualClock();
    const journal = new LivenessJournal(stateDir, 'j.json', { clock, minWriteIntervalMs: 1000, onError: (e) => assert.fail(e) });
    const read = async () => JSON.parse(await readFile(join(stateDir, 'j.json'), 'utf8')) as Record<string, unknown>;
    try {
      const t0 = clock.now();
      journal.record(true, undefined);
      await journal.flushed();
      assert.deepEqual(await read(), { ok: true, since: t0, at: t0, failures: 0 });
      await clock.advance(100);
      journal.record(false, 'consumer: no heartbeat within 30 s');
      await journal.flushed();
      assert.deepEqual(await read(), { ok: false, since: t0 + 100, at: t0 + 100, reason: 'consumer: no heartbeat within 30 s', failures: 1 });
      for (let i = 0; i < 5; i++) {
        await clock.advance(100);
        journal.record(false, 'consumer: no heartbeat within 30 s');
      }
      await journal.flushed();
      // Five more failing answers within the interval: not yet written.
      assert.equal((await read())['failures'], 1);
      await clock.advance(500);
      await journal.flushed();
      assert.deepEqual(await read(), { ok: false, since: t0 + 100, at: t0 + 600, reason: 'consumer: no heartbeat within 30 s', failures: 6 });
    } finally {
      journal.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('attachForensics in virtual time: files, restart counts across starts, and bad options', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'probekit-attach-'));
    try {
      const clock = new VirtualClock();
      const a = new HealthEngine({ clock });
      const fa = await attachForensics(a, { stateDir });
      const beat = a.heartbeat('consumer', { timeoutMs: 1000 });
      void beat;
      await clock.advance(1500);
      await fa.flushed();
      const journal = JSON.parse(await readFile(join(stateDir, MAIN_JOURNAL), 'utf8')) as Record<string, unknown>;
      assert.equal(journal['ok'], false);
      assert.equal(journal['reason'], 'consumer: no heartbeat within 1 s');
      const state = JSON.parse(await readFile(join(stateDir, STATE_FILE), 'utf8')) as Record<string, unknown>;
      assert.deepEqual(state['restarts'], { liveness: 0, shutdown: 0, unknown: 0 });
      assert.equal(state['starts'], 1);
      fa.close();
      a.stop();

      const b = new HealthEngine({ clock });
      const fb = await attachForensics(b, { stateDir });
      assert.equal(fb.previous.cause, 'liveness');
      assert.equal(fb.previous.failingSince, clock.now() - 500);
      assert.deepEqual(
        renderExposition(fb.families(), 'prometheus').split('\n').filter((l) => l.startsWith('probekit_restarts_total')),
        ['probekit_restarts_total{cause="liveness"} 1', 'probekit_restarts_total{cause="shutdown"} 0', 'probekit_restarts_total{cause="unknown"} 0'],
      );
      fb.close();
      b.stop();
      await assert.rejects(attachForensics(b, { stateDir: '' }), { message: 'Expected `stateDir` to be a directory path, got `""`' });
      await assert.rejects(attachForensics(b, { stateDir, minWriteIntervalMs: -1 }), { message: 'Expected `minWriteIntervalMs` to be a positive integer, got `-1`' });
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('createHealth({ forensics }): attached at construction whatever the order of listen(), its families on /metrics, the shared logger, bad options named', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'probekit-option-'));
    try {
      const lines: string[] = [];
      const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
      const health = new Health({ env: {}, clock: new VirtualClock(), logger, forensics: { stateDir } });
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'main' });
      try {
        const forensics = await health.forensics();
        assert.equal(forensics?.stateDir, stateDir);
        assert.equal(forensics?.previous.cause, 'none');
        assert.ok(lines.some((l) => /first start/i.test(l) || /previous/i.test(l) || /no previous/i.test(l)), `the forensics line went to the createHealth logger: ${JSON.stringify(lines)}`);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /^probekit_restarts_total\{cause="liveness"\} 0$/m);
        assert.equal(JSON.parse(await readFile(join(stateDir, STATE_FILE), 'utf8'))['starts'], 1);
      } finally {
        await health.close();
      }
      assert.equal(await new Health({ env: {} }).forensics(), undefined);
      assert.throws(() => new Health({ env: {}, forensics: 'dir' as never }), { message: 'Expected `forensics` to be an object, got `"dir"`' });
      const broken = new Health({ env: {}, forensics: { stateDir: '' } });
      await assert.rejects(broken.listen({ port: 0 }), { message: 'Expected `stateDir` to be a directory path, got `""`' });
      await broken.close();
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('judge: the journal seen last decides; a recorded shutdown with failing liveness is still liveness', () => {
    const fail = { ok: false, since: 10, at: 20, reason: 'x: y', failures: 3 };
    const ok = { ok: true, since: 0, at: 30, failures: 0 };
    assert.equal(judge({ liveness: [fail, ok] }).cause, 'unknown');
    assert.equal(judge({ liveness: [{ ...ok, at: 5 }, fail] }).cause, 'liveness');
    assert.equal(judge({ liveness: [fail], shutdownAt: 25 }).cause, 'liveness');
    assert.equal(judge({ liveness: [ok], shutdownAt: 25 }).cause, 'shutdown');
    assert.deepEqual(judge(undefined), { cause: 'none' });
  });
});
