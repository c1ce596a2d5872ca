import { EventEmitter, once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '../../engine/clock.js';
import { HealthEngine } from '../../engine/engine.js';
import { shutdownOn, type Shutdown, type ShutdownEvents } from '../shutdown.js';
import type { ShutdownOptions } from '../options.js';

// Shared by the shutdown tests: a shutdown on virtual time with an injected signal source, exit and logger.

export interface Rig {
  clock: VirtualClock;
  health: HealthEngine;
  signals: EventEmitter;
  exits: number[];
  logs: string[];
  events: string[];
  shutdown: Shutdown;
}

export function rig(options: ShutdownOptions = {}): Rig {
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  const signals = new EventEmitter();
  const exits: number[] = [];
  const logs: string[] = [];
  const events: string[] = [];
  const logger = {
    info: (m: string) => logs.push(`info ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    error: (m: string) => logs.push(`error ${m}`),
  };
  const shutdown = shutdownOn(health, { clock, signalSource: signals, exit: (code) => exits.push(code), logger, env: {}, ...options });
  shutdown.on('phase', (e: Parameters<ShutdownEvents['phase']>[0]) => events.push(`${e.phase}@${e.elapsedMs}`));
  shutdown.on('hook', (e) => events.push(`hook ${e.name} ${e.outcome}@${e.durationMs}`));
  shutdown.on('exit', (e) => events.push(`exit ${e.code}@${e.elapsedMs}`));
  return { clock, health, signals, exits, logs, events, shutdown };
}

export async function listening(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

export function get(port: number, path: string, agent: Agent): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Lets real I/O happen between virtual-time steps. */
export const tick = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}
