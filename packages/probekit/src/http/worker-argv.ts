/** Node options a probe worker keeps from the process's `execArgv`, with a value (`--flag value` or `--flag=value`). */
const WITH_VALUE: ReadonlySet<string> = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--disable-warning', '--stack-trace-limit']);
/** … and without one. */
const FLAGS: ReadonlySet<string> = new Set(['--enable-source-maps', '--no-warnings', '--no-deprecation', '--trace-warnings', '--trace-deprecation', '--trace-uncaught', '--pending-deprecation', '--preserve-symlinks', '--preserve-symlinks-main']);

/**
 * The `execArgv` of the probe worker: what loads code the way the app does (`--import`, `--require`,
 * loaders, conditions, source maps, warning settings) and nothing else. A worker inherits the
 * process's `execArgv` by default, and options such as `--input-type` (with `-e`), `--eval` or
 * `--test` are not valid for a worker started from a file.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (WITH_VALUE.has(name)) {
      if (eq >= 0) kept.push(arg);
      else if (i + 1 < execArgv.length) kept.push(arg, execArgv[++i]!);
    } else if (FLAGS.has(arg) || (/^--(no-)?experimental-[a-z-]+$/.test(arg) && arg !== '--experimental-default-type')) {
      kept.push(arg);
    } else if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') {
      // Their value (the script) follows; it is not an option.
      i += 1;
    }
  }
  return kept;
}
