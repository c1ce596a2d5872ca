import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import type { Health } from '../../health.js';
import { assertCase, CONTRACT_CASES, contractHealth } from '../test-fixtures/contract-table.js';
import { isProbeUrl } from './probe-source.js';
import { probes as expressProbes } from './express.js';
import { probes as fastifyProbes, shutdownFastify } from './fastify.js';
import { probes as honoProbes, withProbes as withFetchProbes } from './hono.js';
import { probes as koaProbes } from './koa.js';
import { probeHandler, withProbes } from './node.js';

/** A running app: its base URL and how to stop it. */
interface Running {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<Running> {
  if (!server.listening) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Each framework with probes mounted and an app route `GET /hello` answering `hello from <name>`. */
const FRAMEWORKS: Record<string, (health: Health) => Promise<Running>> = {
  'node:http withProbes()': (health) => listen(createServer(withProbes(health, (_req, res) => res.end('hello from node')))),
  'node:http probeHandler() with next': (health) => {
    const probe = probeHandler(health);
    return listen(createServer((req, res) => probe(req, res, () => res.end('hello from connect'))));
  },
  'Express 5': (health) => {
    const app = express();
    app.use(expressProbes(health));
    app.get('/hello', (_req, res) => {
      res.send('hello from express');
    });
    return listen(createServer(app));
  },
  'Fastify 5': async (health) => {
    const app = Fastify();
    await app.register(fastifyProbes, { health });
    app.get('/hello', async () => 'hello from fastify');
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
  'Koa 3': (health) => {
    const app = new Koa();
    app.use(koaProbes(health));
    app.use((ctx) => {
      if (ctx.path === '/hello') ctx.body = 'hello from koa';
    });
    return listen(createServer(app.callback()));
  },
  'Hono 4 middleware': async (health) => {
    const app = new Hono();
    app.use(honoProbes(health));
    app.get('/hello', (c) => c.text('hello from hono'));
    return listen(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
  },
  'fetch withProbes()': async (health) => {
    const fetchHandler = withFetchProbes(health, (request) => new Response(new URL(request.url).pathname === '/hello' ? 'hello from fetch' : 'nope', { status: 200 }));
    return listen(serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' }) as Server);
  },
};

// NOTE: paths that are not probe paths (`/health`, `/readyz/`) belong to the app in an adapter, so the
// probe server's 404 cases for them do not apply; the second test checks they reach the app.
const ADAPTER_CASES = CONTRACT_CASES.filter((c) => isProbeUrl(c.path));

async function assertAdapterContract(baseUrl: string): Promise<void> {
  assert.equal(ADAPTER_CASES.length, CONTRACT_CASES.length - 2, 'only the two non-probe paths are left out');
  for (const c of ADAPTER_CASES) {
    const res = await fetch(baseUrl + c.path, { method: c.method, headers: c.headers ?? {} });
    const body = await res.text();
    assertCase(c, { status: res.status, header: (name) => res.headers.get(name), body });
  }
}

for (const [name, start] of Object.entries(FRAMEWORKS)) {
  describe(`the ${name} adapter`, () => {
    test('serves the HTTP contract of the probe server on every probe path', async () => {
      const { health } = await contractHealth();
      const app = await start(health);
      try {
        await assertAdapterContract(app.url);
      } finally {
        await app.close();
        await health.close();
      }
    });

    test('passes every other path to the app, and probes follow the shutdown state', async () => {
      const { health } = await contractHealth();
      const app = await start(health);
      try {
        const hello = await fetch(`${app.url}/hello`);
        assert.equal(hello.status, 200);
        assert.match(await hello.text(), /^hello from /);
        for (const path of ['/health', '/readyz/', '/readyzz']) {
          const res = await fetch(`${app.url}${path}`);
          const body = await res.text();
          assert.notEqual(`${res.headers.get('cache-control')} ${body}`, 'no-store not found\n', `${path} went to the app, not to the probes`);
        }
        const before = await fetch(`${app.url}/readyz/postgres`);
        assert.deepEqual([before.status, await before.text()], [200, 'ok']);
        health.beginShutdown();
        await new Promise((resolve) => setImmediate(resolve));
        const during = await fetch(`${app.url}/readyz/shutdown`);
        assert.deepEqual([during.status, await during.text()], [503, '[-]shutdown failed: process is shutting down\nreadyz check failed\n']);
        const live = await fetch(`${app.url}/livez`);
        assert.deepEqual([live.status, await live.text()], [200, 'ok']);
      } finally {
        await app.close();
        await health.close();
      }
    });
  });
}

test('the Fastify plugin honours a register() prefix', async () => {
  const { health } = await contractHealth();
  const app = Fastify();
  await app.register(fastifyProbes, { health, prefix: '/ops' });
  try {
    const res = await app.inject({ method: 'GET', url: '/ops/livez?verbose' });
    assert.deepEqual([res.statusCode, res.body], [200, '[+]eventloop ok\n[+]jobs ok\nlivez check passed\n']);
    const post = await app.inject({ method: 'POST', url: '/ops/readyz' });
    assert.deepEqual([post.statusCode, post.headers['allow']], [405, 'GET, HEAD']);
  } finally {
    await app.close();
    await health.close();
  }
});

test('shutdownFastify drains the Fastify server and runs app.close() as the last hook', async () => {
  const { health } = await contractHealth();
  const app = Fastify();
  await app.register(fastifyProbes, { health });
  const order: string[] = [];
  app.addHook('onClose', async () => void order.push('fastify onClose'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const exits: number[] = [];
  const shutdown = shutdownFastify(health, app, {
    env: {},
    signalSource: { on: () => undefined, off: () => undefined },
    exit: (code) => exits.push(code),
    logger: { info: () => {}, warn: () => {}, error: (m) => order.push(`error ${m}`) },
    hooks: [{ name: 'pool', run: () => void order.push('pool') }],
  });
  try {
    assert.equal(await shutdown.shutdown(), 0);
    assert.deepEqual(exits, [0]);
    assert.deepEqual(order, ['pool', 'fastify onClose']);
    assert.equal(app.server.listening, false);
  } finally {
    shutdown.dispose();
    await health.close();
  }
});
