import { connect } from 'node:net';

/** The shared services on the development and CI machines. */
export const SERVICES = {
  postgres: { host: '127.0.0.1', port: 5432 },
  mysql: { host: '127.0.0.1', port: 3306 },
  redis: { host: '127.0.0.1', port: 6379 },
  rabbitmq: { host: '127.0.0.1', port: 5672 },
  mqtt: { host: '127.0.0.1', port: 1883 },
  nats: { host: '127.0.0.1', port: 4222 },
  memcached: { host: '127.0.0.1', port: 11211 },
} as const;

export type ServiceName = keyof typeof SERVICES;

function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * For `test(name, { skip: await skipUnless('redis') }, …)`: in CI a missing service throws (the run
 * fails loudly); elsewhere the test is skipped with a message naming the service.
 */
export async function skipUnless(name: ServiceName): Promise<string | false> {
  const { host, port } = SERVICES[name];
  if (await reachable(host, port)) return false;
  const message = `${name} is not reachable at ${host}:${port}`;
  if (process.env['CI']) throw new Error(`${message}; CI requires it (see .ci/run)`);
  return `${message}; start it to run this test`;
}

/** Same contract for a command-line tool (promtool, chromium, grpc client). */
export async function skipUnlessTool(tool: string, found: boolean): Promise<string | false> {
  if (found) return false;
  if (process.env['CI']) throw new Error(`${tool} is not installed; CI requires it (see .ci/run)`);
  return `${tool} is not installed; install it to run this test`;
}
