import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnlessTool } from '@probekit/test-support';

const APP = fileURLToPath(new URL('./test-fixtures/emfile-app.js', import.meta.url));

// A POSIX shell sets the descriptor limit (`ulimit -n`) for the app it starts.
let shell = true;
try {
  execFileSync('sh', ['-c', 'ulimit -n 128'], { stdio: 'ignore' });
} catch {
  shell = false;
}
const skip = await skipUnlessTool('sh (with ulimit)', shell);

async function waitFor(what: string, read: () => string, pattern: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  const start = Date.now();
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}: ${read().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// NOTE: out of descriptors, the kernel still completes the TCP handshake from the listen backlog and
// libuv accepts and closes it at once (its EMFILE fallback): a check that only connects would pass.
test('the `listening` check fails when the process is out of file descriptors (EMFILE), though the kernel still completes the handshake', { skip, timeout: 60_000 }, async () => {
  const child = spawn('sh', ['-c', `ulimit -n 128 && exec "${process.execPath}" "${APP}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  try {
    const port = Number((await waitFor('the app', () => out, /listening (\d+)/))[1]);
    await waitFor('a passing check', () => out, /check pass/);
    const exhausted = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/exhaust' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    assert.match(exhausted, /^EMFILE after \d+\n$/);
    const from = out.length;
    const failing = await waitFor('a failing check', () => out.slice(from), /check fail (.*)\n/);
    assert.match(failing[1]!, /^the server \(127\.0\.0\.1:\d+\) (closed the connection without accepting it \(out of file descriptors\?\)|refused a loopback connection: EMFILE)$/);
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await exited;
  }
});
