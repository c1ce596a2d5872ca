// A service for the forensics test: a heartbeat that stops on SIGUSR2, a graceful exit on SIGTERM,
// probes and /metrics on one port. Prints one JSON line per event on stdout.
import { createServer } from 'node:http';
import { createHealth } from '../../health.js';
import { RequestCounters } from '../../http/request-counters.js';
import { createMetrics } from '../../metrics/index.js';
import { attachForensics } from '../index.js';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: liveness-service.js <stateDir>');
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);

const health = createHealth({ env: {} });
const heartbeat = health.heartbeat('consumer', { timeoutMs: 300 });
let beating = true;
const ticker = setInterval(() => beating && heartbeat.beat(), 50);
process.on('SIGUSR2', () => {
  beating = false;
});

const forensics = await attachForensics(health, { stateDir, minWriteIntervalMs: 200, log: (line) => print({ log: line.message, level: line.level }) });
const requests = new RequestCounters();
const metrics = createMetrics(health, { eventLoop: false }, () => requests.all());
metrics.collector.addSource(forensics.families);

const server = createServer((req, res) => {
  const answer = metrics.respond({ method: req.method ?? 'GET', url: req.url ?? '/', accept: req.headers.accept });
  if (answer) res.writeHead(answer.status, answer.headers).end(answer.body);
  else health.handler(req, res);
  requests.countRequest(req.url ?? '/', res.statusCode);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  print({ url: `http://127.0.0.1:${address.port}`, previous: forensics.previous, restarts: forensics.restarts });
});

process.on('SIGTERM', () => {
  health.beginShutdown();
  void forensics.flushed().then(() => {
    clearInterval(ticker);
    server.close();
    forensics.close();
    metrics.close();
    void health.close();
  });
});
