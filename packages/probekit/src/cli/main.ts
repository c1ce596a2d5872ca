/**
 * The `probekit` bin of the runtime package: only what runs inside the service's image (the exec
 * probe). The tooling (lint, manifest, lab, demo) is the `probekit-cli` bin of `@probekit/cli`.
 */
import { dispatch, type CliIO, type Program } from './dispatch.js';

const TOOLING = 'is in the tooling package: npx @probekit/cli';

export const program: Program = {
  name: 'probekit',
  packageJson: new URL('../../package.json', import.meta.url),
  commands: {
    check: { summary: 'probe a target once with kubelet semantics (exec probe, Docker HEALTHCHECK)', load: () => import('./check.js') },
  },
  epilogue: 'lint, manifest, lab and demo are in the tooling package: npx @probekit/cli <command>',
  elsewhere: Object.fromEntries(['lint', 'manifest', 'lab', 'demo'].map((c) => [c, `probekit ${c} ${TOOLING} ${c}`])),
};

export function main(argv: string[], io: CliIO): Promise<number> {
  return dispatch(program, argv, io);
}
