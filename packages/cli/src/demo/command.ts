import type { CliIO } from 'probekit/internal';
import { banner, readKeys, showStatus, statusLine } from './console.js';
import { HELP, parseDemoOptions } from './options.js';
import { PortTakenError, startDemo } from './service.js';

/** `probekit-cli demo`: start, show, serve until SIGTERM/SIGINT or `q`, then shut down gracefully. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const options = parseDemoOptions(argv, io.env);
  if (options === 'help') {
    io.stdout.write(HELP);
    return 0;
  }
  if ('error' in options) {
    io.stderr.write(`probekit-cli demo: ${options.error}`);
    return 2;
  }
  let demo;
  try {
    demo = await startDemo(options, io.env);
  } catch (error) {
    if (!(error instanceof PortTakenError)) throw error;
    io.stderr.write(`probekit-cli demo: ${error.message}\n`);
    return 2;
  }
  const interactive = Boolean((io.stdin as NodeJS.ReadStream).isTTY);
  io.stdout.write(banner(demo, options.detailsToken, options.warmupSeconds, interactive));
  const stopStatus = showStatus(demo, io.stdout, options.status && Boolean((io.stdout as NodeJS.WriteStream).isTTY));

  // The demo's own graceful shutdown: readiness fails first, then servers close.
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      stopKeys?.();
      resolve();
    };
    const stopKeys = readKeys(demo, io.stdin, () => process.kill(process.pid, 'SIGTERM'));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  stopStatus();
  demo.health.beginShutdown();
  io.stdout.write(`\n${statusLine(demo)}\nshutting down: readiness fails now, liveness stays ok\n`);
  await demo.stop();
  io.stdout.write('stopped\n');
  return 0;
}
