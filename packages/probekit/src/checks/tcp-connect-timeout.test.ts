import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { skipUnlessTool } from '@probekit/test-support';
import { tcpCheck } from './tcp.js';

// A host that never answers the SYN: a private listener with a backlog of 0 that never accepts.
// Once its one queued connection is taken, Linux drops further SYNs, so a connect neither
// succeeds nor fails — only the run's signal can end it.
const LISTENER = `
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

const python = spawnSync('python3', ['--version']).status === 0;
const skip = await skipUnlessTool('python3', python);

function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

test('tcp: a connect that is never answered fails at the run timeout, naming the target, and leaves no socket', { skip }, async () => {
  const listener = spawn('python3', ['-c', LISTENER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const fillers: Socket[] = [];
  try {
    const [line] = (await once(listener.stdout, 'data')) as [Buffer];
    const port = Number(line.toString().trim());
    // Fill the accept queue so the next SYN is dropped.
    const filler = connect({ host: '127.0.0.1', port });
    fillers.push(filler);
    await once(filler, 'connect');
    const before = tcpSockets();

    const { check } = tcpCheck({ host: '127.0.0.1', port });
    const controller = new AbortController();
    const started = performance.now();
    const timer = setTimeout(() => controller.abort(new Error('timed out after 300 ms')), 300);
    try {
      await assert.rejects(Promise.resolve(check(controller.signal)), { name: 'DependencyCheckError', message: `tcp: timed out after 300 ms connecting to 127.0.0.1:${port}` });
    } finally {
      clearTimeout(timer);
    }
    assert.ok(performance.now() - started >= 299, 'it waited for the timeout: the connect neither succeeded nor failed on its own');
    await sleep(10);
    assert.equal(tcpSockets(), before, 'the pending connect was destroyed');
  } finally {
    for (const s of fillers) s.destroy();
    listener.stdin.end();
    listener.kill();
  }
});
