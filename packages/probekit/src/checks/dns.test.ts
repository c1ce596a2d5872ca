import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { dnsCheck } from './dns.js';
import { runOnce } from './test-fixtures/fault-suite.js';

/** A private DNS server on 127.0.0.1: `up.test` has one A record, anything else is NXDOMAIN; `silent` drops queries. */
let server: Socket;
let address: string;
let silent = false;

before(async () => {
  server = createSocket('udp4');
  server.on('message', (query, rinfo) => {
    if (silent) return;
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]! !== 0) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString());
      offset += length + 1;
    }
    const questionEnd = offset + 5;
    const known = labels.join('.') === 'up.test';
    const header = Buffer.from(query.subarray(0, 12));
    header.writeUInt16BE(known ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(known ? 1 : 0, 6);
    header.writeUInt32BE(0, 8);
    const answer = known ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]) : Buffer.alloc(0);
    server.send(Buffer.concat([header, query.subarray(12, questionEnd), answer]), rinfo.port, rinfo.address);
  });
  server.bind(0, '127.0.0.1');
  await once(server, 'listening');
  address = `127.0.0.1:${server.address().port}`;
});

after(() => server.close());

test('dns: resolves a name through the configured server', async () => {
  const run = await runOnce(dnsCheck('up.test', { servers: [address] }), 2000);
  assert.equal(run.ok, true, run.message);
  assert.equal((run.value as { output: string }).output, '1 A record');
});

test('dns: a missing name fails with the resolver code', async () => {
  const run = await runOnce(dnsCheck('down.test', { servers: [address] }), 2000);
  assert.equal(run.message, 'dns: queryA ENOTFOUND down.test');
});

test('dns: a server that never answers fails at the run timeout and the query is cancelled', async () => {
  silent = true;
  try {
    const run = await runOnce(dnsCheck('up.test', { servers: [address], queryTimeoutMs: 10_000 }), 300);
    assert.equal(run.message, 'dns: timed out after 300 ms');
    assert.ok(run.elapsedMs < 2000, `took ${run.elapsedMs} ms`);
  } finally {
    silent = false;
  }
  assert.equal((await runOnce(dnsCheck('up.test', { servers: [address] }), 2000)).ok, true);
});

test('dns: options are validated by name', () => {
  assert.throws(() => dnsCheck('x', { rrtype: 'PTR' as never }), /Expected `rrtype` to be one of `A`, `AAAA`, `CNAME`, `MX`, `NS`, `SRV`, `TXT`, got `"PTR"`/);
  assert.throws(() => dnsCheck(''), /Expected `hostname` to be a non-empty string/);
});
