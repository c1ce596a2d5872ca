import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';
import { skipUnlessTool } from '@probekit/test-support';
import { HealthEngine } from '../engine/engine.js';
import { tlsCertificateCheck } from './tls-certificate.js';
import { faultMatrix, ownConnectionsTo, runOnce } from './test-fixtures/fault-suite.js';

const run = promisify(execFile);
const found = await run('openssl', ['version']).then(() => true, () => false);
const skip = await skipUnlessTool('openssl', found);
const DAY = 86_400_000;

let dir = '';
let key = '';
let valid = '';
let expired = '';
let validServer: Server | undefined;
let expiredServer: Server | undefined;
let validPort = 0;
let expiredPort = 0;
let validNotAfter = 0;

function listen(cert: string): Promise<{ server: Server; port: number }> {
  const server = createServer({ key, cert }, () => {});
  server.on('tlsClientError', () => {}); // clients that reject the certificate hang up mid-handshake
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'probekit-tls-'));
  const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
  // A self-signed certificate valid for 30 days from now.
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'valid.pem'), '-days', '30', ...subject]);
  // The same key, self-signed for January 2020 only: `openssl ca` is the tool that takes explicit dates.
  await writeFile(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = local\n[local]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\nunique_subject = no\n[any]\ncommonName = supplied\n');
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '01\n');
  await run('openssl', ['req', '-new', '-key', join(dir, 'key.pem'), '-out', join(dir, 'req.csr'), ...subject]);
  await run('openssl', ['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr', '-out', 'expired.pem', '-startdate', '20200101000000Z', '-enddate', '20200201000000Z'], { cwd: dir });
  key = await readFile(join(dir, 'key.pem'), 'utf8');
  valid = await readFile(join(dir, 'valid.pem'), 'utf8');
  expired = await readFile(join(dir, 'expired.pem'), 'utf8');
  const { stdout } = await run('openssl', ['x509', '-in', join(dir, 'valid.pem'), '-noout', '-enddate']);
  validNotAfter = Date.parse(stdout.trim().replace('notAfter=', ''));
  ({ server: validServer, port: validPort } = await listen(valid));
  ({ server: expiredServer, port: expiredPort } = await listen(expired));
});

after(async () => {
  validServer?.close();
  expiredServer?.close();
  if (dir) await rm(dir, { recursive: true });
});

test('tls: a trusted certificate valid for 30 days passes with its days left in the details', { skip }, async () => {
  const outcome = await runOnce(tlsCertificateCheck({ host: 'localhost', port: validPort, ca: valid }), 2000);
  assert.equal(outcome.ok, true, outcome.message);
  const details = outcome.value as Record<string, unknown>;
  assert.equal(details['observedUnit'], 'days');
  assert.equal(details['measurement'], 'certificateValidity');
  const days = details['observedValue'] as number;
  assert.ok(days > 29 && days <= 30, `days left: ${days}`);
  assert.match(String(details['output']), new RegExp(`^CN=localhost expires ${new Date(validNotAfter).toISOString().replace(/\./g, '\\.')} \\(in ${days} days\\); handshake \\d+(\\.\\d)? ms$`));
});

test('tls: a certificate expiring within minValidDays fails, naming the date', { skip }, async () => {
  const now = validNotAfter - 10 * DAY;
  const outcome = await runOnce(tlsCertificateCheck({ host: 'localhost', port: validPort, ca: valid, minValidDays: 14, now: () => now }), 2000);
  assert.equal(outcome.message, `tls: CN=localhost expires ${new Date(validNotAfter).toISOString()}, in 10 days (minValidDays 14)`);
  const later = await runOnce(tlsCertificateCheck({ host: 'localhost', port: validPort, ca: valid, minValidDays: 14, now: () => validNotAfter - 20 * DAY }), 2000);
  assert.equal(later.ok, true, later.message);
});

test('tls: once the clock passes notAfter the check fails', { skip }, async () => {
  const outcome = await runOnce(tlsCertificateCheck({ host: 'localhost', port: validPort, ca: valid, now: () => validNotAfter + 2 * DAY }), 2000);
  assert.equal(outcome.message, `tls: CN=localhost expired ${new Date(validNotAfter).toISOString()} (2 days ago)`);
});

test('tls: a really expired certificate fails the handshake, and with verify false fails on its dates', { skip }, async () => {
  const verified = await runOnce(tlsCertificateCheck({ host: 'localhost', port: expiredPort, ca: expired }), 2000);
  assert.equal(verified.message, 'tls: certificate has expired');
  const unverified = await runOnce(tlsCertificateCheck({ host: 'localhost', port: expiredPort, verify: false }), 2000);
  assert.match(unverified.message, /^tls: CN=localhost expired 2020-02-01T00:00:00\.000Z \(\d+(\.\d)? days ago\)$/);
});

test('tls: an untrusted or wrong-name certificate fails while verify is on', { skip }, async () => {
  const untrusted = await runOnce(tlsCertificateCheck({ host: 'localhost', port: validPort }), 2000);
  assert.equal(untrusted.message, 'tls: self-signed certificate');
  const wrongName = await runOnce(tlsCertificateCheck({ host: '127.0.0.1', port: validPort, servername: 'example.com', ca: valid }), 2000);
  assert.match(wrongName.message, /^tls: Hostname\/IP does not match certificate's altnames: Host: example\.com\. is not in the cert's altnames: DNS:localhost, IP Address:127\.0\.0\.1$/);
});

test('tls: fails under refuse, reset, blackhole and latency, and recovers each time', { skip, timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'tls',
    target: { host: '127.0.0.1', port: validPort },
    connect: async (port) => port,
    disconnect: async () => {},
    check: (port) => tlsCertificateCheck({ host: '127.0.0.1', servername: 'localhost', port, ca: valid }),
    timeoutMs: 500,
    expect: {
      latency: /^tls: timed out after 500 ms in the handshake with 127\.0\.0\.1:\d+$/,
      blackhole: /^tls: timed out after 500 ms in the handshake with 127\.0\.0\.1:\d+$/,
      reset: /^tls: (read|connect) ECONNRESET( 127\.0\.0\.1:\d+)?$/,
      refuse: /^tls: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    },
  });
});

test('tls: 1,000 runs leave no connection open', { skip, timeout: 120_000 }, async () => {
  const definition = tlsCertificateCheck({ host: 'localhost', port: validPort, ca: valid });
  for (let i = 0; i < 1000; i++) {
    const outcome = await runOnce(definition, 2000);
    assert.equal(outcome.ok, true, `run ${i}: ${outcome.message}`);
  }
  assert.deepEqual(await ownConnectionsTo(validPort), []);
  const open = await new Promise<number>((resolve, reject) => validServer!.getConnections((error, n) => (error ? reject(error) : resolve(n))));
  assert.equal(open, 0);
});

test('tls through the engine: refused on liveness, passes on readiness', { skip }, async () => {
  const engine = new HealthEngine({ maxLagMs: 0, maxBlockMs: 0 });
  try {
    assert.throws(() => engine.liveness('cert', tlsCertificateCheck({ host: 'localhost', port: validPort, ca: valid })), /Refusing to register dependency check `cert` on liveness/);
    engine.readiness('cert', tlsCertificateCheck({ host: 'localhost', port: validPort, ca: valid }), { intervalMs: 200, timeoutMs: 1000 });
    await engine.whenReady({ signal: AbortSignal.timeout(10_000) });
    assert.equal(engine.snapshot().checks[0]!.lastRun?.details?.observedUnit, 'days');
  } finally {
    engine.stop();
  }
});

test('tls: options are validated by name', () => {
  assert.throws(() => tlsCertificateCheck({ host: 'x', port: 0 }), /Expected `port` to be an integer from 1 to 65535, got `0`/);
  assert.throws(() => tlsCertificateCheck({ host: 'x', minValidDays: -1 }), /Expected `minValidDays` to be a non-negative number, got `-1`/);
  assert.throws(() => tlsCertificateCheck({ host: 'x', verify: 'no' as never }), /Expected `verify` to be a boolean, got `"no"`/);
  assert.throws(() => tlsCertificateCheck({ host: 'x', days: 1 } as never), /Unknown option `days` in tlsCertificateCheck\(\) options/);
  assert.throws(() => tlsCertificateCheck({} as never), /Expected `host` to be a string/);
});
