// A small probekit service for the lab's real mode: readiness pings Redis (RESP PING) through the
// address the lab gives it; liveness is internal. Started by src/lab/real.test.ts.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { createHealth } from 'probekit';

const [host = '127.0.0.1', port = '6379'] = (process.env['LAB_DEPENDENCY_REDIS'] ?? '').split(':');

function ping(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    signal.addEventListener('abort', () => fail(new Error('aborted')), { once: true });
    socket.once('error', fail);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      if (data.toString().startsWith('+PONG')) resolve();
      else reject(new Error(`unexpected reply ${JSON.stringify(data.toString())}`));
    });
  });
}

const health = createHealth({ thread: 'main', host: '127.0.0.1' });
health.readiness('redis', { check: ping, dependency: true }, { intervalMs: 500, failingIntervalMs: 250, timeoutMs: 300 });
await health.listen();
const server = createServer((_req, res) => res.end('hello\n')).listen(Number(process.env['PORT']), '127.0.0.1');
health.shutdownOn({ servers: [server], drainDelayMs: 0, gracePeriodMs: 10_000, logger: { info: () => {}, warn: () => {}, error: () => {} } });
