/**
 * The rules on one probe's own fields (probe.ts), called directly on one container, so that each
 * boundary is pinned by an exact finding (rule, field path, message) or by none.
 *
 * Upstream sources, as docs/lint.md cites them (kubernetes/kubernetes; validation.go read there at
 * commit 000f260, whose release could not be read off it, so no release tag is claimed): the minimums and the
 * probe-level grace period from `validateProbe`, `successThreshold` from `validateLivenessProbe` /
 * `validateStartupProbe`, the readiness grace period from `validateReadinessProbe`, the handler
 * count from `validateHandler` (all pkg/apis/core/validation/validation.go); the zero defaults from
 * `SetDefaults_Probe` (pkg/apis/core/v1/defaults.go); port names from `IsValidPortName`
 * (staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go); grpc_health_probe's
 * `-connect-timeout` / `-rpc-timeout`, 1 s each by default, from grpc-ecosystem/grpc-health-probe
 * main.go; `probekit check --timeout` from parseFlagDuration (packages/probekit/src/cli/check.ts);
 * `redis-cli -t <seconds>` as two words from parseOptions in redis/redis src/redis-cli.c.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROBE_FIELD } from 'probekit/internal';
import type { ProbeKind } from 'probekit/internal';
import type { PlainObject } from '../../manifests/workloads.js';
import { containerContext } from './context.js';
import type { RawFinding } from './context.js';
import { lintProbeFields, portNameProblem } from './probe.js';

const AT = ['spec', 'template', 'spec', 'containers', 0] as const;

/** Every finding of lintProbeFields on one probe of container `app`, as `rule path: message` (path relative to the container). */
function lint(kind: ProbeKind, probe: PlainObject, container: PlainObject = {}): string[] {
  const out: RawFinding[] = [];
  const value = { name: 'app', image: 'example/app:1', ...container, [PROBE_FIELD[kind]]: probe };
  const ctx = containerContext({ name: 'app', path: AT, value, sidecar: false }, out);
  lintProbeFields(ctx, kind, probe);
  for (const f of out) assert.deepEqual(f.path.slice(0, AT.length), [...AT], 'every finding is inside the container');
  return out.map((f) => `${f.rule.id} ${f.path.slice(AT.length).join('.')}: ${f.message}`);
}

const HTTP = { httpGet: { path: '/livez', port: 8080 } };

describe('probe numbers against their minimums and defaults', () => {
  test('a negative value is below the minimum; 0 is defaulted, except initialDelaySeconds where 0 is the default', () => {
    assert.deepEqual(lint('liveness', { ...HTTP, initialDelaySeconds: -1, periodSeconds: -1, failureThreshold: -1 }), [
      'probe-value-below-minimum livenessProbe.initialDelaySeconds: livenessProbe.initialDelaySeconds is -1; the minimum is 0',
      'probe-value-below-minimum livenessProbe.periodSeconds: livenessProbe.periodSeconds is -1; the minimum is 1',
      'probe-value-below-minimum livenessProbe.failureThreshold: livenessProbe.failureThreshold is -1; the minimum is 1',
      // timeoutSeconds is not written (default 1), so the finding points at the period that is below it.
      'timeout-not-below-period livenessProbe.periodSeconds: livenessProbe.timeoutSeconds (1) is above periodSeconds (-1)',
    ]);
    assert.deepEqual(lint('readiness', { ...HTTP, timeoutSeconds: -1, successThreshold: -1 }), [
      'probe-value-below-minimum readinessProbe.timeoutSeconds: readinessProbe.timeoutSeconds is -1; the minimum is 1',
      'probe-value-below-minimum readinessProbe.successThreshold: readinessProbe.successThreshold is -1; the minimum is 1',
    ]);
    assert.deepEqual(lint('readiness', { ...HTTP, initialDelaySeconds: 0, periodSeconds: 0, timeoutSeconds: 0, successThreshold: 0, failureThreshold: 0 }), [
      'probe-value-zero-defaulted readinessProbe.periodSeconds: readinessProbe.periodSeconds is 0, which the API server replaces with the default 10',
      'probe-value-zero-defaulted readinessProbe.timeoutSeconds: readinessProbe.timeoutSeconds is 0, which the API server replaces with the default 1',
      'probe-value-zero-defaulted readinessProbe.successThreshold: readinessProbe.successThreshold is 0, which the API server replaces with the default 1',
      'probe-value-zero-defaulted readinessProbe.failureThreshold: readinessProbe.failureThreshold is 0, which the API server replaces with the default 3',
    ]);
  });

  test('each field at its minimum is clean (0 for initialDelaySeconds, 1 for the rest)', () => {
    assert.deepEqual(lint('readiness', { ...HTTP, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 1 }), []);
  });

  test('a number written as a string or null is the schema\'s finding, not a minimum or a default', () => {
    // `'-1' < 0` and `null < 1` are true in JavaScript: the rule must not compare them.
    assert.deepEqual(lint('liveness', { ...HTTP, initialDelaySeconds: '-1', periodSeconds: null, timeoutSeconds: '0', failureThreshold: '-3' }), []);
  });

  test('timeoutSeconds equal to periodSeconds is clean; one above is reported where timeoutSeconds is written', () => {
    assert.deepEqual(lint('readiness', { ...HTTP, timeoutSeconds: 3, periodSeconds: 3 }), []);
    assert.deepEqual(lint('readiness', { ...HTTP, timeoutSeconds: 4, periodSeconds: 3 }), [
      'timeout-not-below-period readinessProbe.timeoutSeconds: readinessProbe.timeoutSeconds (4) is above periodSeconds (3)',
    ]);
    // periodSeconds 0 is defaulted to 10: timeoutSeconds 10 is then equal, 11 above.
    assert.deepEqual(lint('readiness', { ...HTTP, timeoutSeconds: 10 }).filter((f) => f.startsWith('timeout-not-below-period')), []);
    assert.deepEqual(lint('readiness', { ...HTTP, timeoutSeconds: 11, periodSeconds: 0 }).filter((f) => f.startsWith('timeout-not-below-period')), [
      'timeout-not-below-period readinessProbe.timeoutSeconds: readinessProbe.timeoutSeconds (11) is above periodSeconds (10)',
    ]);
  });
});

describe('successThreshold on liveness and startup probes', () => {
  test('above 1 is rejected on liveness and startup; 1 is clean', () => {
    assert.deepEqual(lint('liveness', { ...HTTP, successThreshold: 2 }), [
      'success-threshold-not-one livenessProbe.successThreshold: livenessProbe.successThreshold is 2; it must be 1 on liveness probes',
    ]);
    assert.deepEqual(lint('startup', { ...HTTP, successThreshold: 3 }), [
      'success-threshold-not-one startupProbe.successThreshold: startupProbe.successThreshold is 3; it must be 1 on startup probes',
    ]);
    assert.deepEqual(lint('liveness', { ...HTTP, successThreshold: 1 }), []);
    assert.deepEqual(lint('startup', { ...HTTP, successThreshold: 1 }), []);
  });

  test('readiness may ask for more than one success', () => {
    assert.deepEqual(lint('readiness', { ...HTTP, successThreshold: 3 }), []);
  });

  test('a successThreshold written as a string is the schema\'s finding, not this rule\'s', () => {
    assert.deepEqual(lint('liveness', { ...HTTP, successThreshold: '2' }), []);
  });
});

describe('probe-level terminationGracePeriodSeconds', () => {
  test('on liveness and startup it must be at least 1 ("must be greater than 0")', () => {
    assert.deepEqual(lint('liveness', { ...HTTP, terminationGracePeriodSeconds: 0 }), [
      'probe-value-below-minimum livenessProbe.terminationGracePeriodSeconds: livenessProbe.terminationGracePeriodSeconds is 0; the minimum is 1',
    ]);
    assert.deepEqual(lint('startup', { ...HTTP, terminationGracePeriodSeconds: -5 }), [
      'probe-value-below-minimum startupProbe.terminationGracePeriodSeconds: startupProbe.terminationGracePeriodSeconds is -5; the minimum is 1',
    ]);
    assert.deepEqual(lint('liveness', { ...HTTP, terminationGracePeriodSeconds: 1 }), []);
    assert.deepEqual(lint('startup', { ...HTTP, terminationGracePeriodSeconds: 10 }), []);
  });

  test('a grace period written as a string or null is the schema\'s finding, not a minimum', () => {
    assert.deepEqual(lint('liveness', { ...HTTP, terminationGracePeriodSeconds: '0' }), []);
    assert.deepEqual(lint('startup', { ...HTTP, terminationGracePeriodSeconds: null }), []);
  });

  test('on readiness any value is rejected, whatever it is', () => {
    assert.deepEqual(lint('readiness', { ...HTTP, terminationGracePeriodSeconds: 10 }), [
      'readiness-termination-grace readinessProbe.terminationGracePeriodSeconds: readinessProbe.terminationGracePeriodSeconds is set (10); it is only allowed on liveness and startup probes',
    ]);
    assert.deepEqual(lint('readiness', { ...HTTP, terminationGracePeriodSeconds: 0 }), [
      'readiness-termination-grace readinessProbe.terminationGracePeriodSeconds: readinessProbe.terminationGracePeriodSeconds is set (0); it is only allowed on liveness and startup probes',
    ]);
  });
});

describe('handler count', () => {
  test('no handler, and a second handler, are reported with the path inside the container', () => {
    assert.deepEqual(lint('liveness', { periodSeconds: 5 }), [
      'handler-count livenessProbe: livenessProbe has no handler (one of exec, httpGet, tcpSocket, grpc); the API server rejects it: "must specify a handler type"',
    ]);
    assert.deepEqual(lint('liveness', { ...HTTP, tcpSocket: { port: 8080 } }), [
      'handler-count livenessProbe.tcpSocket: livenessProbe has httpGet and tcpSocket; the API server rejects a second handler: "may not specify more than 1 handler type"',
    ]);
  });

  test('a handler set to null (a Helm value left empty) is no handler', () => {
    assert.deepEqual(lint('liveness', { exec: null, ...HTTP }), []);
    assert.deepEqual(lint('liveness', { exec: null }), [
      'handler-count livenessProbe: livenessProbe has no handler (one of exec, httpGet, tcpSocket, grpc); the API server rejects it: "must specify a handler type"',
    ]);
  });
});

describe('port names', () => {
  test('15 characters is the longest name; 16 is too long', () => {
    assert.equal(portNameProblem('abcdefghijklmno'), undefined);
    assert.equal(portNameProblem('abcdefghijklmnop'), 'a port name has at most 15 characters');
  });

  test('an uppercase letter or an underscore anywhere is rejected, not only at the end', () => {
    assert.equal(portNameProblem('Http'), 'a port name has only lowercase letters, digits and hyphens');
    assert.equal(portNameProblem('web_api'), 'a port name has only lowercase letters, digits and hyphens');
  });

  test('a short unrendered template says so, not that its characters are wrong', () => {
    assert.equal(portNameProblem('{{ .port }}'), 'an unrendered template placeholder is not a port name');
  });

  const portFinding = (port: string, tail: string): string =>
    `port-name-invalid livenessProbe.httpGet.port: livenessProbe.httpGet.port \`${JSON.stringify(port)}\` is rejected by the API server: ${tail}`;
  const withPort = (port: string): PlainObject => ({ httpGet: { path: '/livez', port } });

  test('a quoted number is told to be written unquoted; other bad names get no such hint', () => {
    assert.deepEqual(lint('liveness', withPort('8080')), [
      portFinding('8080', 'a quoted number is a port name, and a port name must contain a letter; write 8080 unquoted'),
    ]);
    assert.deepEqual(lint('liveness', withPort('web--1')), [portFinding('web--1', 'a port name must not contain consecutive hyphens')]);
    assert.deepEqual(lint('liveness', withPort('1--web')), [portFinding('1--web', 'a port name must not contain consecutive hyphens')]);
    assert.deepEqual(lint('liveness', withPort('web--api')), [portFinding('web--api', 'a port name must not contain consecutive hyphens')]);
    assert.deepEqual(lint('liveness', withPort('{{ .port }}')), [
      portFinding('{{ .port }}', 'an unrendered template placeholder is not a port name (render the template first)'),
    ]);
  });

  test('a valid name is looked up in the container\'s ports (tcpSocket too)', () => {
    const ports = { ports: [{ name: 'http', containerPort: 8080 }] };
    assert.deepEqual(lint('readiness', { httpGet: { path: '/readyz', port: 'http' } }, ports), []);
    assert.deepEqual(lint('readiness', { tcpSocket: { port: 'admin' } }, ports), [
      'probe-port-unknown readinessProbe.tcpSocket.port: readinessProbe.tcpSocket.port `admin` is not a port name declared by container `app`',
    ]);
  });
});

/** The exec-probe finding for `name` with its own timeout `own` (undefined: none at all). */
function execFinding(name: string, timeoutSeconds: number, own?: number, kind: ProbeKind = 'readiness'): string {
  const field = PROBE_FIELD[kind];
  return own === undefined
    ? `exec-probe-ignores-timeout ${field}.exec.command: ${field} runs \`${name}\` without a timeout of its own; the probe's timeoutSeconds is ${timeoutSeconds}s`
    : `exec-probe-ignores-timeout ${field}.exec.command: ${field} runs \`${name}\` with a ${own}s timeout, not below the probe's timeoutSeconds (${timeoutSeconds}s)`;
}

/** lintProbeFields on a readiness exec probe (periodSeconds 10, so only the exec rule can speak). */
function execProbe(command: unknown[], timeoutSeconds?: number): string[] {
  return lint('readiness', { exec: { command }, periodSeconds: 10, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) });
}

describe('exec probes: probekit check --timeout, read as the command reads it', () => {
  const URL = 'http://127.0.0.1:8081/livez';
  test('--timeout=800ms and --timeout 800ms are below the default timeoutSeconds 1', () => {
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeout=800ms']), []);
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeout', '800ms']), []);
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeout', '999']), []); // a bare number is milliseconds
  });

  test('seconds and milliseconds at or above timeoutSeconds are reported with their value in seconds', () => {
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeout=2s']), [execFinding('probekit', 1, 2)]);
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeout', '1500ms']), [execFinding('probekit', 1, 1.5)]);
    assert.deepEqual(execProbe(['/app/node_modules/.bin/probekit', 'check', URL, '--timeout', '1000']), [execFinding('probekit', 1, 1)]);
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeout=1.5s'], 2), []);
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeout=1.5s'], 1), [execFinding('probekit', 1, 1.5)]);
  });

  test('without --timeout it is reported; a value probekit check rejects is not guessed at', () => {
    assert.deepEqual(execProbe(['probekit', 'check', URL]), [execFinding('probekit', 1)]);
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeout=soon']), []);
  });

  test('only the word --timeout (or --timeout=…) is the flag, and the finding names the probekit word', () => {
    assert.deepEqual(execProbe(['probekit', 'check', URL, '--timeouts=5s']), [execFinding('probekit', 1)]);
    assert.deepEqual(execProbe(['probekit', 'check', `${URL}?from=--timeout=5s`, '--timeout', '500ms']), []);
    assert.deepEqual(execProbe(['/bin/sh', '-c', `probekit-cli lint k8s && probekit check ${URL}`]), [execFinding('probekit', 1)]);
    assert.deepEqual(execProbe(['/bin/sh', '-c', `wait-for-probekit && probekit check ${URL}`]), [execFinding('probekit', 1)]);
  });

  test('node …/probekit/bin/probekit.js check, the form docs/check.md shows for images without npx, is read the same way', () => {
    const bin = 'node_modules/probekit/bin/probekit.js';
    assert.deepEqual(execProbe(['node', bin, 'check', URL, '--timeout', '800ms', '-q']), []);
    assert.deepEqual(execProbe(['node', bin, 'check', URL, '--timeout', '1500ms', '-q']), [execFinding('probekit.js', 1, 1.5)]);
    assert.deepEqual(execProbe(['node', bin, 'check', URL]), [execFinding('probekit.js', 1)]);
    // Not the check command: nothing to read.
    assert.deepEqual(execProbe(['node', bin, '--version']), []);
    assert.deepEqual(execProbe(['node', 'server/probekit.jsx', 'check', URL]), []);
  });
});

describe('exec probes: grpc_health_probe, whose two timeouts (1 s each unless set) add up', () => {
  const grpc = (...flags: string[]): string[] => ['/bin/grpc_health_probe', '-addr=:50051', ...flags];
  const finding = (own: number, timeoutSeconds: number): string =>
    `exec-probe-ignores-timeout readinessProbe.exec.command: readinessProbe runs \`grpc_health_probe\`, which may take ${own}s (connect-timeout + rpc-timeout, 1s each unless set), above the probe's timeoutSeconds (${timeoutSeconds}s)`;

  test('the default 2 s is above timeoutSeconds 1 and equal to timeoutSeconds 2, which is not above', () => {
    assert.deepEqual(execProbe(grpc()), [finding(2, 1)]);
    assert.deepEqual(execProbe(grpc(), 2), []);
  });

  test('each flag replaces its own 1 s, written -flag=value, --flag=value or -flag value', () => {
    assert.deepEqual(execProbe(grpc('-connect-timeout=500ms', '-rpc-timeout=400ms')), []);
    assert.deepEqual(execProbe(grpc('-rpc-timeout=5s'), 5), [finding(6, 5)]);
    assert.deepEqual(execProbe(grpc('--connect-timeout', '3s'), 3), [finding(4, 3)]);
    assert.deepEqual(execProbe(grpc('-connect-timeout=1.25s', '-rpc-timeout=1.25s'), 2), [finding(2.5, 2)]);
  });

  test('Go durations with minutes, hours and compound units are read whole', () => {
    assert.deepEqual(execProbe(grpc('-rpc-timeout=1m'), 10), [finding(61, 10)]);
    assert.deepEqual(execProbe(grpc('-rpc-timeout=1m30s'), 10), [finding(91, 10)]);
    assert.deepEqual(execProbe(grpc('-rpc-timeout=1h'), 10), [finding(3601, 10)]);
    assert.deepEqual(execProbe(grpc('-connect-timeout=250ms', '-rpc-timeout=500ms'), 1), []);
    assert.deepEqual(execProbe(grpc('-connect-timeout=900us', '-rpc-timeout=900ms'), 1), []);
    assert.deepEqual(execProbe(grpc('-connect-timeout=700ms'), 1), [finding(1.7, 1)]);
    assert.deepEqual(execProbe(grpc('-connect-timeout=1500000us', '-rpc-timeout=500000000ns'), 1), [finding(2, 1)]);
    assert.deepEqual(execProbe(grpc('-connect-timeout=1500µs', '-rpc-timeout=0.5s'), 1), []);
  });

  test('a value that is no Go duration counts as the 1 s default (grpc_health_probe would refuse it)', () => {
    for (const value of ['5', 'soon', 'x5s', '5sx', '5s5', '1.s']) {
      assert.deepEqual(execProbe(grpc(`-rpc-timeout=${value}`), 1), [finding(2, 1)], value);
    }
  });

  test('a flag right after the command counts too', () => {
    assert.deepEqual(execProbe(['grpc_health_probe', '-rpc-timeout=5s', '-addr=:50051'], 5), [finding(6, 5)]);
  });

  test('only words after grpc_health_probe are its flags', () => {
    assert.deepEqual(execProbe(['wrapper', '-rpc-timeout=30s', 'grpc_health_probe', '-addr=:50051'], 2), []);
  });

  test('wrapped in coreutils timeout, it is not reported', () => {
    assert.deepEqual(execProbe(['timeout', '1', 'grpc_health_probe', '-addr=:50051']), []);
  });
});

describe('exec probes: network clients and their own timeouts', () => {
  const URL = 'http://127.0.0.1:8080/readyz';
  /** [command, timeoutSeconds, the client's own timeout in the finding (undefined: none), or null: no finding]. */
  const cases: [string[], number, number | undefined | null][] = [
    // curl: -m / --max-time / --connect-timeout, fractional seconds.
    [['curl', '-fsS', URL], 2, undefined],
    [['curl', '-m', '5', URL], 2, 5],
    [['curl', '-m5', URL], 2, 5],
    [['curl', '-m10', URL], 5, 10],
    [['curl', '--max-time', '10', URL], 5, 10],
    [['curl', '--max-time=10', URL], 5, 10],
    [['curl', '--connect-timeout', '2', URL], 2, 2], // equal to timeoutSeconds: not below it
    [['curl', '--connect-timeout', '2', URL], 3, null],
    [['curl', '-m0.25', URL], 1, null],
    [['curl', '-m1.25', URL], 1, 1.25],
    [['curl', '--max-time', '1.25', URL], 1, 1.25],
    [['curl', '--max-time', '0.75', URL], 1, null],
    [['curl', '-A', 'healthcheck-m', URL], 2, undefined], // a word that ends in -m is not -m
    [['curl', '--max-timeout', '5', URL], 10, undefined], // nor one that starts with --max-time
    [['curl', '--max-time', '5x', URL], 2, null], // a value it cannot read is not guessed at
    [['curl', '--max-time', '+5', URL], 2, null], // the linter reads plain decimal seconds only: a signed value is left unread
    [['curl', '--max-time'], 2, null],
    // wget: -T / --timeout, seconds with an optional s.
    [['wget', '-qO-', URL], 2, undefined],
    [['wget', '-T', '5', URL], 2, 5],
    [['wget', '-T5', URL], 2, 5],
    [['wget', '--timeout=10', URL], 5, 10],
    [['wget', '--timeout', '5s', URL], 2, 5],
    [['wget', '--timeout=1.25', URL], 1, 1.25],
    [['wget', '-T0.5', URL], 1, null],
    [['wget', '-O', '/tmp/out-T', URL], 2, undefined],
    [['wget', '--timeouts', '5', URL], 10, undefined],
    // nc: -w seconds, attached or not.
    [['nc', '-z', 'db', '5432'], 2, undefined],
    [['nc', '-z', '-w', '2', 'db', '5432'], 2, 2],
    [['ncat', '-w10', '-z', 'db', '5432'], 5, 10],
    [['netcat', '-w1', '-z', 'db', '5432'], 2, null],
    [['nc', '-z', 'db-w', '5432'], 2, undefined],
    [['nc', '-w5s', '-z', 'db', '5432'], 10, undefined],
    // pg_isready: -t / --timeout seconds.
    [['pg_isready', '-h', 'db'], 2, undefined],
    [['pg_isready', '-h', 'db', '-t', '5'], 2, 5],
    [['pg_isready', '-t5'], 2, 5],
    [['pg_isready', '--timeout=10'], 5, 10],
    [['pg_isready', '-t1'], 2, null],
    [['pg_isready', '-h', 'db-t'], 2, undefined],
    [['pg_isready', '--timeouts=5'], 10, undefined],
    [['ionice', '-t', 'pg_isready', '-h', 'db'], 2, undefined], // a flag before the command is not the command's
    // redis-cli: -t seconds, as two words only.
    [['redis-cli', 'ping'], 2, undefined],
    [['redis-cli', '-t', '5', 'ping'], 2, 5],
    [['redis-cli', '-t', '0.5', 'ping'], 1, null],
    [['redis-cli', '-t5', 'ping'], 10, undefined], // redis-cli rejects -t5
    [['redis-cli', '-h', 'cache-t', 'ping'], 2, undefined],
    // mysqladmin: --connect-timeout / --connect_timeout seconds.
    [['mysqladmin', 'ping'], 2, undefined],
    [['mysqladmin', '--connect-timeout=5', 'ping'], 2, 5],
    [['mysqladmin', '--connect_timeout=10', 'ping'], 5, 10],
    [['mysqladmin', '--connect-timeout', '5', 'ping'], 2, 5],
    [['mysqladmin', '--connect-timeout=1', 'ping'], 2, null],
    [['mysqladmin', 'x--connect-timeout=1', 'ping'], 2, undefined],
    [['mysqladmin', '--connect-timeouts=1', 'ping'], 2, undefined],
  ];
  for (const [command, timeoutSeconds, own] of cases) {
    const want = own === null ? 'nothing' : own === undefined ? 'no timeout of its own' : `a ${own}s timeout`;
    test(`${command.join(' ')} with timeoutSeconds ${timeoutSeconds}: ${want}`, () => {
      const name = command.find((w) => /^(?:curl|wget|nc|ncat|netcat|pg_isready|redis-cli|mysqladmin)$/.test(w)) as string;
      assert.deepEqual(execProbe(command, timeoutSeconds), own === null ? [] : [execFinding(name, timeoutSeconds, own)]);
    });
  }

  test('a command that only looks like a client by part of its name is not one', () => {
    for (const name of ['curl', 'wget', 'nc', 'ncat', 'netcat', 'pg_isready', 'redis-cli', 'mysqladmin']) {
      assert.deepEqual(execProbe([`${name}-healthcheck`, URL]), [], `${name}-healthcheck`);
      assert.deepEqual(execProbe([`/usr/local/bin/run-${name}`, URL]), [], `run-${name}`);
    }
    assert.deepEqual(execProbe(['sync']), []);
    assert.deepEqual(execProbe(['cat', '/tmp/healthy']), []);
  });

  test('a path to the client is the client; coreutils timeout around it is enough', () => {
    assert.deepEqual(execProbe(['/usr/bin/curl', '-fsS', URL], 2), [execFinding('curl', 2)]);
    assert.deepEqual(execProbe(['/usr/bin/timeout', '1', 'curl', '-fsS', URL]), []);
  });

  test('a shell script is split into words, spaces around a word included', () => {
    assert.deepEqual(execProbe(['/bin/sh', '-c', `curl -fsS --max-time 5 ${URL} || exit 1`], 2), [execFinding('curl', 2, 5)]);
    assert.deepEqual(execProbe(['/bin/sh', '-c', ` wget -q -T 5 ${URL} `], 2), [execFinding('wget', 2, 5)]);
    assert.deepEqual(execProbe(['curl', '--max-time', ' 5', URL], 2), [execFinding('curl', 2, 5)]);
    assert.deepEqual(execProbe(['curl', '--max-time', '', '5', URL], 2), [execFinding('curl', 2, 5)]); // an empty argument is no word
  });

  test('a non-string word (a YAML number) is skipped, not split', () => {
    assert.deepEqual(execProbe(['curl', 5, '-m', '5', URL], 2), [execFinding('curl', 2, 5)]);
  });

  test('only `probekit check` reads probekit\'s --timeout grammar; a word followed by `check` is no probekit', () => {
    assert.deepEqual(execProbe(['probekit', 'version']), []);
    assert.deepEqual(execProbe(['/bin/sh', '-c', `curl -m 5 ${URL} && echo check`], 2), [execFinding('curl', 2, 5)]);
    assert.deepEqual(execProbe(['check', 'probekit', URL, '--timeout', '5000']), []);
  });
});
