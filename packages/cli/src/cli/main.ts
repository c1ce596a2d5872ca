/**
 * The `probekit-cli` bin: the tooling teams run in CI and on their machines, never in the service's
 * image (lint, manifest, lab, demo). The exec probe (`probekit check`) is in the runtime package.
 */
import { dispatch, type CliIO, type Program } from 'probekit/internal';

export const program: Program = {
  name: 'probekit-cli',
  packageJson: new URL('../../package.json', import.meta.url),
  commands: {
    demo: { summary: 'run an example service with live probes and fault injection', load: () => import('../demo/command.js') },
    lint: { summary: 'lint Kubernetes manifests (or a live service) for probe mistakes', load: () => import('./lint.js') },
    manifest: { summary: 'print a correct probe block for a container', load: () => import('./manifest.js') },
    lab: { summary: 'simulate what the kubelet does to your pods under faults', load: () => import('./lab.js') },
  },
  elsewhere: { check: 'probekit-cli check: the exec probe is in the runtime package: npx probekit check <target>' },
};

export function main(argv: string[], io: CliIO): Promise<number> {
  return dispatch(program, argv, io);
}
