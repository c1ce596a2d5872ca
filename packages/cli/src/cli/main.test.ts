import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { captureIO } from '@probekit/test-support';
import { main } from './main.js';

const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

const USAGE = `Usage: probekit-cli <command> [options]

Commands:
  demo      run an example service with live probes and fault injection
  lint      lint Kubernetes manifests (or a live service) for probe mistakes
  manifest  print a correct probe block for a container
  lab       simulate what the kubelet does to your pods under faults

Run \`probekit-cli <command> --help\` for a command's options.
`;

describe('the probekit-cli bin', () => {
  test('--help lists every command with its summary', async () => {
    const { io, out, err } = captureIO();
    assert.equal(await main(['--help'], io), 0);
    assert.equal(out(), USAGE);
    assert.equal(err(), '');
  });

  test('no command is a usage error', async () => {
    const { io, err } = captureIO();
    assert.equal(await main([], io), 2);
    assert.equal(err(), USAGE);
  });

  test('--version prints the tooling package version', async () => {
    const { io, out } = captureIO();
    assert.equal(await main(['--version'], io), 0);
    assert.equal(out(), `${version}\n`);
  });

  test('an unknown command is a usage error naming it', async () => {
    const { io, out, err } = captureIO();
    assert.equal(await main(['lnt'], io), 2);
    assert.equal(out(), '');
    assert.equal(err(), `probekit-cli: unknown command \`lnt\`\n\n${USAGE}`);
  });

  test('check points to the runtime package', async () => {
    const { io, err } = captureIO();
    assert.equal(await main(['check', 'http://x'], io), 2);
    assert.equal(err(), 'probekit-cli: unknown command `check`\n\nprobekit-cli check: the exec probe is in the runtime package: npx probekit check <target>\n');
  });
});
