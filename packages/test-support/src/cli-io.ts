import { Readable, Writable } from 'node:stream';

/** The IO a command gets (structurally the same as probekit's CliIO). */
export interface CliIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A CliIO whose stdout and stderr are captured as strings, for command tests. */
export function captureIO(stdin: string | NodeJS.ReadableStream = ''): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  return {
    io: {
      stdout: sink((s) => (out += s)),
      stderr: sink((s) => (err += s)),
      stdin: typeof stdin === 'string' ? Readable.from([stdin]) : stdin,
      env: {},
    },
    out: () => out,
    err: () => err,
  };
}
