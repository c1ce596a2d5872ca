/**
 * The command dispatcher shared by the `probekit` bin (this package: `check`) and the tooling's
 * `probekit-cli` bin (lint, manifest, lab, demo). Each command is a module loaded only when named,
 * so an exec probe starts without loading the rest.
 */
import { createRequire } from 'node:module';

export interface CliIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A command: parses its own arguments and resolves with the exit code (0 ok, 1 findings/unhealthy, 2 usage). */
export type Command = (argv: string[], io: CliIO) => Promise<number>;

export interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<{ run: Command }>;
}

export interface Program {
  /** The bin's name, as the user types it. */
  readonly name: string;
  /** A `package.json` URL whose `version` `--version` prints. */
  readonly packageJson: URL;
  readonly commands: Readonly<Record<string, CommandEntry>>;
  /** Printed after the command list. */
  readonly epilogue?: string;
  /** Commands this bin does not have, with the hint printed when one is asked for. */
  readonly elsewhere?: Readonly<Record<string, string>>;
}

export function usage(program: Program): string {
  const names = Object.keys(program.commands);
  const width = Math.max(...names.map((c) => c.length));
  const lines = Object.entries(program.commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  const epilogue = program.epilogue === undefined ? '' : `\n${program.epilogue}\n`;
  return `Usage: ${program.name} <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`${program.name} <command> --help\` for a command's options.\n${epilogue}`;
}

export async function dispatch(program: Program, argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage(program));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const pkg = createRequire(program.packageJson)(program.packageJson.pathname) as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = Object.hasOwn(program.commands, name) ? program.commands[name] : undefined;
  if (!command) {
    const hint = program.elsewhere !== undefined && Object.hasOwn(program.elsewhere, name) ? program.elsewhere[name] : undefined;
    io.stderr.write(`${program.name}: unknown command \`${name}\`\n\n${hint === undefined ? usage(program) : `${hint}\n`}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest, io);
}
