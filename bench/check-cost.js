// `npm run build && node bench/check-cost.js`: what one run of each ORM/queue/cache/gRPC/TLS/memory
// check costs against the servers on this machine. Runs each check CHECK_COST_RUNS times (default
// 300) in a row, after 20 warm-up runs, and prints per run: the median and p95 wall time, and the
// CPU time this process spent (user + system, from process.cpuUsage), as a Markdown table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { MikroORM } from '@mikro-orm/postgresql';
import { Queue, Worker } from 'bullmq';
import { drizzle } from 'drizzle-orm/node-postgres';
import { HealthImplementation } from 'grpc-health-check';
import knex from 'knex';
import { Kysely, PostgresDialect } from 'kysely';
import memjs from 'memjs';
import mysql from 'mysql2';
import pg from 'pg';
import postgres from 'postgres';
import { Sequelize } from 'sequelize';
import { DataSource } from 'typeorm';
import { bullmqQueueCheck, bullmqWorkerCheck } from 'probekit/checks/bullmq';
import { grpcHealthCheck } from 'probekit/checks/grpc-health';
import { memcachedCheck } from 'probekit/checks/memcached';
import { memoryCheck } from 'probekit/checks/memory';
import { sqlCheck } from 'probekit/checks/sql';
import { tlsCertificateCheck } from 'probekit/checks/tls-certificate';

const RUNS = Number(process.env.CHECK_COST_RUNS ?? 300);
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const pool = () => new pg.Pool({ ...PG, max: 2 });

async function measure(name, definition) {
  const once = async () => {
    await definition.check(AbortSignal.timeout(2000));
  };
  for (let i = 0; i < 20; i++) await once();
  const times = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  times.sort((a, b) => a - b);
  const ms = (x) => x.toFixed(2);
  console.log(`| ${name} | ${ms(times[Math.floor(RUNS / 2)])} | ${ms(times[Math.floor(RUNS * 0.95)])} | ${Math.round((cpu.user + cpu.system) / RUNS)} |`);
}

console.log(`${RUNS} runs each, Node ${process.version}\n`);
console.log('| check | median ms | p95 ms | CPU µs per run (this process) |');
console.log('|---|---|---|---|');

const closers = [];
try {
  const k = knex({ client: 'pg', connection: PG, pool: { min: 0, max: 2 } });
  closers.push(() => k.destroy());
  await measure('sqlCheck — Knex (pg)', sqlCheck(k));

  const ky = new Kysely({ dialect: new PostgresDialect({ pool: pool() }) });
  closers.push(() => ky.destroy());
  await measure('sqlCheck — Kysely (pg)', sqlCheck(ky));

  const ds = new DataSource({ type: 'postgres', host: PG.host, port: PG.port, username: PG.user, database: PG.database, poolSize: 2 });
  await ds.initialize();
  closers.push(() => ds.destroy());
  await measure('sqlCheck — TypeORM (pg)', sqlCheck(ds));

  const sq = new Sequelize(PG.database, PG.user, '', { host: PG.host, port: PG.port, dialect: 'postgres', logging: false, pool: { max: 2 } });
  closers.push(() => sq.close());
  await measure('sqlCheck — Sequelize (pg)', sqlCheck(sq));

  const dp = pool();
  closers.push(() => dp.end());
  await measure('sqlCheck — Drizzle (node-postgres)', sqlCheck(drizzle(dp)));

  const orm = await MikroORM.init({ host: PG.host, port: PG.port, user: PG.user, dbName: PG.database, entities: [], discovery: { warnWhenNoEntities: false }, pool: { min: 0, max: 2 } });
  closers.push(() => orm.close(true));
  await measure('sqlCheck — MikroORM (pg)', sqlCheck(orm));

  const sql = postgres({ ...PG, max: 2 });
  closers.push(() => sql.end({ timeout: 1 }));
  await measure('sqlCheck — postgres.js', sqlCheck(sql));

  const kmy = knex({ client: 'mysql2', connection: { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' }, pool: { min: 0, max: 2 } });
  closers.push(() => kmy.destroy());
  await measure('sqlCheck — Knex (mysql2, MariaDB)', sqlCheck(kmy));

  const mc = memjs.Client.create('127.0.0.1:11211', { logger: { log() {} } });
  closers.push(() => mc.close());
  await measure('memcachedCheck (memjs, 1 server)', memcachedCheck(mc));

  const name = `probekit-bench-${process.pid}`;
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: 6379 } });
  closers.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
  await measure('bullmqQueueCheck', bullmqQueueCheck(queue));
  const worker = new Worker(name, async () => {}, { connection: { host: '127.0.0.1', port: 6379 }, autorun: true });
  await worker.waitUntilReady();
  closers.push(() => worker.close());
  const workerCheck = bullmqWorkerCheck(worker, { maxJobMs: 60_000 });
  closers.push(() => workerCheck.stop());
  await measure('bullmqWorkerCheck (no I/O)', workerCheck);

  const server = new grpc.Server();
  new HealthImplementation({ '': 'SERVING' }).addToServer(server);
  const grpcPort = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  closers.push(async () => {
    client.close();
    server.forceShutdown();
  });
  await measure('grpcHealthCheck (same machine)', grpcHealthCheck(client));

  const dir = mkdtempSync(join(tmpdir(), 'probekit-bench-tls-'));
  closers.push(() => rmSync(dir, { recursive: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  const tlsServer = createServer({ key: readFileSync(join(dir, 'k.pem')), cert }, () => {});
  tlsServer.on('tlsClientError', () => {});
  await new Promise((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  closers.push(() => tlsServer.close());
  await measure('tlsCertificateCheck (P-256, same machine)', tlsCertificateCheck({ host: 'localhost', port: tlsServer.address().port, ca: cert }));

  await measure('memoryCheck (cgroup files)', memoryCheck());
} finally {
  for (const close of closers.reverse()) await close();
}
