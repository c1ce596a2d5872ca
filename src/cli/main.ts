/**
 * The `probekit` command. Each command is a module loaded only when named, so `probekit check`
 * (an exec probe) starts without loading the rest.
 */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A command: parses its own arguments and resolves with the exit code (0 ok, 1 findings/unhealthy, 2 usage). */
export type Command = (argv: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, { readonly summary: string; readonly load: () => Promise<{ run: Command }> }> = {
  demo: { summary: 'run an example service with live probes and fault injection', load: () => import('./demo/command.js') },
  check: { summary: 'probe a target once with kubelet semantics (exec probe, Docker HEALTHCHECK)', load: () => import('./check.js') },
  lint: { summary: 'lint Kubernetes manifests (or a live service) for probe mistakes', load: () => import('./lint.js') },
  manifest: { summary: 'print a correct probe block for a container', load: () => import('./manifest.js') },
  lab: { summary: 'simulate what the kubelet does to your pods under faults', load: () => import('./lab.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: probekit <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`probekit <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`probekit: unknown command \`${name}\`\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest, io);
}
