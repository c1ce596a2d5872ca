/** `probekit-cli manifest`: prints a correct probe block (a pod template fragment) for a probekit service. */
import { parseArgs } from 'node:util';
import { generateProbeBlock, manifestDefaults, wrapInDeployment } from '../manifest/generate.js';
import type { ManifestOptions, PreStopMode } from '../manifest/generate.js';
import type { CliIO } from 'probekit/internal';

const d = manifestDefaults;
const HELP = `Usage: probekit-cli manifest [options]

Prints the pod template fragment (metadata.annotations + spec) with startup, liveness and
readiness probes, terminationGracePeriodSeconds and, if asked, a preStop sleep. Paste it under
your workload's spec.template (or merge it: containers merge by name). Its output lints clean.

Options:
  --container <name>            container name (default ${d.container})
  --port <n>                    the app's serving port, named http (default ${d.port})
  --probe-port <n>              the probe server's port, named probes; same as --port when
                                probes are mounted in the app's server (default ${d.probePort})
  --boot-seconds <n>            worst-case boot time; the worst-case startup budget,
                                (failureThreshold - 1) x period, covers 1.25x it (default ${d.bootSeconds})
  --drain-delay-seconds <n>     SIGTERM to closing listeners, for endpoint removal (default ${d.drainDelaySeconds})
  --grace-seconds <n>           the pod's terminationGracePeriodSeconds, also passed to the app as
                                PROBEKIT_TERMINATION_GRACE_SECONDS for shutdownOn (default ${d.graceSeconds})
  --prestop <none|sleep|exec>   where the drain delay happens: none = in the app (probekit's
                                shutdown), sleep = preStop sleep action (Kubernetes 1.30+),
                                exec = preStop \`sleep\` command (default ${d.preStop})
  --probe-paths <l,r,s>         liveness, readiness, startup paths (default ${d.paths.liveness},${d.paths.readiness},${d.paths.startup})
  --deployment                  print a whole Deployment around it (needs --image)
  --name <name>                 the Deployment's name (default: the container name)
  --image <ref>                 the container image, with --deployment
  --format <yaml|json>          output format (default yaml)
  --json                        same as --format json
  -h, --help                    show this help
`;

function integer(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new TypeError(`\`${flag}\` must be a whole number, got \`${text}\``);
  return Number(text);
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const usage = (message: string): number => {
    io.stderr.write(`probekit-cli manifest: ${message}\n\n${HELP}`);
    return 2;
  };
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        container: { type: 'string' },
        port: { type: 'string' },
        'probe-port': { type: 'string' },
        'boot-seconds': { type: 'string' },
        'drain-delay-seconds': { type: 'string' },
        'grace-seconds': { type: 'string' },
        prestop: { type: 'string' },
        'probe-paths': { type: 'string' },
        deployment: { type: 'boolean' },
        name: { type: 'string' },
        image: { type: 'string' },
        format: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const format = values.json ? 'json' : (values.format ?? 'yaml');
  if (format !== 'yaml' && format !== 'json') return usage(`\`--format\` must be yaml or json, got \`${format}\``);
  if (values.deployment && values.image === undefined) return usage('`--deployment` needs `--image`');
  let text: string;
  try {
    const options: { -readonly [K in keyof ManifestOptions]: ManifestOptions[K] } = {};
    if (values.container !== undefined) options.container = values.container;
    const set = (key: 'port' | 'probePort' | 'bootSeconds' | 'drainDelaySeconds' | 'graceSeconds', flag: string): void => {
      const n = integer(`--${flag}`, values[flag as keyof typeof values] as string | undefined);
      if (n !== undefined) options[key] = n;
    };
    set('port', 'port');
    set('probePort', 'probe-port');
    set('bootSeconds', 'boot-seconds');
    set('drainDelaySeconds', 'drain-delay-seconds');
    set('graceSeconds', 'grace-seconds');
    if (values.prestop !== undefined) options.preStop = values.prestop as PreStopMode;
    if (values['probe-paths'] !== undefined) {
      const parts = values['probe-paths'].split(',').map((p) => p.trim());
      if (parts.length !== 3) throw new TypeError(`\`--probe-paths\` must be three comma-separated paths (liveness,readiness,startup), got \`${values['probe-paths']}\``);
      const [liveness, readiness, startup] = parts as [string, string, string];
      options.paths = { liveness, readiness, startup };
    }
    const fragment = generateProbeBlock(options);
    const output = values.deployment
      ? wrapInDeployment(fragment, values.name ?? options.container ?? manifestDefaults.container, values.image as string)
      : fragment;
    if (format === 'json') {
      text = `${JSON.stringify(output, null, 2)}\n`;
    } else {
      const { stringify } = await import('yaml');
      // NOTE: no anchors/aliases: people paste this into other files, and some tools reject aliases.
      text = stringify(output, { aliasDuplicateObjects: false });
    }
  } catch (error) {
    if (error instanceof TypeError) return usage(error.message.replace(/`([\w.]+)`/g, (m, name: string) => FLAGS[name] ?? m));
    throw error;
  }
  io.stdout.write(text);
  return 0;
}

/** Option names in generator errors, as the flags the user typed. */
const FLAGS: Readonly<Record<string, string>> = {
  container: '`--container`',
  port: '`--port`',
  probePort: '`--probe-port`',
  bootSeconds: '`--boot-seconds`',
  drainDelaySeconds: '`--drain-delay-seconds`',
  graceSeconds: '`--grace-seconds`',
  name: '`--name`',
  preStop: '`--prestop`',
  'paths.liveness': '`--probe-paths` (liveness)',
  'paths.readiness': '`--probe-paths` (readiness)',
  'paths.startup': '`--probe-paths` (startup)',
};
