/**
 * The liveness rules one input at a time: what the liveness path asks for (the restart storm),
 * when liveness and readiness share an endpoint, and the timing hints. Every expected finding is
 * written out by hand from the rule's documented behaviour (docs/lint.md).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { objectsOf, podTemplateOf } from '../../manifests/workloads.js';
import type { LongRunningContainer, PlainObject } from '../../manifests/workloads.js';
import { resolvePort } from './context.js';
import type { RawFinding, RuleSettings } from './context.js';
import { DEFAULT_RULE_SETTINGS } from '../test-fixtures/settings.js';
import { lintPodTemplate } from './index.js';
import { httpPath, pathWords } from './liveness.js';

const defaults = DEFAULT_RULE_SETTINGS;

/** The findings of one rule for a Pod with one container `api` (image and name filled in). */
function lint(ruleId: string, container: PlainObject, settings: Partial<RuleSettings> = {}): RawFinding[] {
  const doc = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api' }, spec: { containers: [{ name: 'api', image: 'example/api:1.0.0', ...container }] } };
  const [object] = objectsOf(doc);
  assert.ok(object);
  const pod = podTemplateOf(object);
  assert.ok(pod);
  return lintPodTemplate(pod, { ...defaults, ...settings }).filter((f) => f.rule.id === ruleId);
}

/** `path: message` per finding. */
function messages(ruleId: string, container: PlainObject, settings: Partial<RuleSettings> = {}): string[] {
  return lint(ruleId, container, settings).map((f) => `${f.path.join('.')}: ${f.message}`);
}

const LIVE = 'spec.containers.0.livenessProbe';

describe('pathWords splits a path at punctuation and camelCase humps', () => {
  test('the documented example: /healthz/redisCache is healthz, redis, cache (no empty words from the leading slash)', () => {
    assert.deepEqual(pathWords('/healthz/redisCache'), ['healthz', 'redis', 'cache']);
  });

  test('a run of capitals is one word, split before the capital that starts the next word', () => {
    assert.deepEqual(pathWords('/checkDBConnection'), ['check', 'db', 'connection']);
    assert.deepEqual(pathWords('/HTTPServer/isReady'), ['http', 'server', 'is', 'ready']);
  });

  test('a run of punctuation leaves no empty words', () => {
    assert.deepEqual(pathWords('//health--kafka__brokers/'), ['health', 'kafka', 'brokers']);
    assert.deepEqual(pathWords('/'), []);
  });

  test('a dependency written in capitals inside a camelCase word is found: /checkDBConnection names `db`', () => {
    assert.deepEqual(messages('liveness-checks-dependency', { livenessProbe: { httpGet: { path: '/checkDBConnection', port: 8080 } } }), [
      `${LIVE}.httpGet.path: livenessProbe.httpGet.path \`/checkDBConnection\` names a dependency (\`db\`)`,
    ]);
  });
});

describe('httpPath', () => {
  test('an httpGet without path asks for / (the API server default); a probe without httpGet has none', () => {
    assert.equal(httpPath({ httpGet: { port: 8080 } }), '/');
    assert.equal(httpPath({ httpGet: { path: '/livez', port: 8080 } }), '/livez');
    assert.equal(httpPath({ tcpSocket: { port: 8080 } }), undefined);
  });
});

describe('liveness-aggregate-endpoint (the restart storm)', () => {
  // A path written without its leading slash still reaches the same endpoint: the kubelet puts the
  // path after host:port in the URL, and Go's net/url adds the slash between them.
  const rows = [
    {
      path: 'actuator/health',
      what: "Spring Boot's `/actuator/health` aggregates every health indicator (database, disk, brokers)",
      fix: 'Point liveness at `/actuator/health/liveness` (the liveness group, on by default in Kubernetes) and readiness at `/actuator/health/readiness`.',
    },
    {
      path: '_cluster/health',
      what: "Elasticsearch's `/_cluster/health` reports the whole cluster, so one red index restarts every node",
      fix: 'Probe the node itself for liveness (a tcpSocket probe on the HTTP port, or `GET /`); keep cluster health for readiness or alerting.',
    },
    {
      path: 'q/health',
      what: "Quarkus's `/q/health` aggregates liveness and readiness checks, datasources included",
      fix: 'Point liveness at `/q/health/live` and readiness at `/q/health/ready`.',
    },
  ];
  for (const { path, what, fix } of rows) {
    test(`\`${path}\` without its leading slash is flagged, with the framework's own liveness endpoint as the fix`, () => {
      const found = lint('liveness-aggregate-endpoint', { livenessProbe: { httpGet: { path, port: 8080 } } });
      assert.deepEqual(
        found.map((f) => [f.path.join('.'), f.message, f.fix]),
        [[`${LIVE}.httpGet.path`, `livenessProbe.httpGet.path \`${path}\`: ${what}`, fix]],
      );
    });
  }

  test("Elasticsearch's cluster health for some indices (`/_cluster/health/<target>`) is the same cluster-wide check; `/_cluster/healthz` is not it", () => {
    // Elasticsearch's cluster health API takes an optional target: GET /_cluster/health/<target>.
    const found = lint('liveness-aggregate-endpoint', { livenessProbe: { httpGet: { path: '/_cluster/health/orders,payments', port: 9200 } } });
    assert.deepEqual(
      found.map((f) => f.message),
      ["livenessProbe.httpGet.path `/_cluster/health/orders,payments`: Elasticsearch's `/_cluster/health` reports the whole cluster, so one red index restarts every node"],
    );
    assert.deepEqual(
      lint('liveness-aggregate-endpoint', { livenessProbe: { httpGet: { path: '/_cluster/health/', port: 9200 } } }).map((f) => f.message),
      ["livenessProbe.httpGet.path `/_cluster/health/`: Elasticsearch's `/_cluster/health` reports the whole cluster, so one red index restarts every node"],
    );
    assert.deepEqual(lint('liveness-aggregate-endpoint', { livenessProbe: { httpGet: { path: '/_cluster/healthz', port: 9200 } } }), []);
  });

  test('a deep-check query names the parameter in the message and the fix, with or without a value', () => {
    const deep = (path: string): [string, string, string | undefined][] =>
      lint('liveness-aggregate-endpoint', { livenessProbe: { httpGet: { path, port: 8080 } } }).map((f) => [f.path.join('.'), f.message, f.fix]);
    assert.deepEqual(deep('/healthz?deps'), [
      [
        `${LIVE}.httpGet.path`,
        'livenessProbe.httpGet.path `/healthz?deps` asks the endpoint to check its dependencies (`deps`)',
        'Drop `deps` from the liveness path; ask for the deep check on readiness only.',
      ],
    ]);
    assert.deepEqual(deep('/healthz?verbose=1&deep='), [
      [
        `${LIVE}.httpGet.path`,
        'livenessProbe.httpGet.path `/healthz?verbose=1&deep=` asks the endpoint to check its dependencies (`deep`)',
        'Drop `deep` from the liveness path; ask for the deep check on readiness only.',
      ],
    ]);
    assert.deepEqual(deep('/healthz?checkDependencies=true'), [
      [
        `${LIVE}.httpGet.path`,
        'livenessProbe.httpGet.path `/healthz?checkDependencies=true` asks the endpoint to check its dependencies (`checkDependencies`)',
        'Drop `checkDependencies` from the liveness path; ask for the deep check on readiness only.',
      ],
    ]);
  });

  test('a query that turns the deep check off, or an empty query, is not a finding', () => {
    for (const path of ['/healthz?deep=false', '/healthz?', '/healthz?full=true']) {
      assert.deepEqual(lint('liveness-aggregate-endpoint', { livenessProbe: { httpGet: { path, port: 8080 } } }), [], path);
    }
  });
});

describe('liveness timing hints', () => {
  test('startup-missing-slow-boot is reported from slowBootHintSeconds on (initialDelaySeconds >= 30), not below', () => {
    const probe = (initialDelaySeconds: number): PlainObject => ({ livenessProbe: { httpGet: { path: '/livez', port: 8080 }, initialDelaySeconds } });
    assert.deepEqual(messages('startup-missing-slow-boot', probe(30)), [
      `${LIVE}.initialDelaySeconds: livenessProbe.initialDelaySeconds is 30s and there is no startupProbe`,
    ]);
    assert.deepEqual(messages('startup-missing-slow-boot', probe(29)), []);
  });

  test('liveness-blip-intolerant points at failureThreshold when periodSeconds is not written', () => {
    // Default period 10 s: (2 - 1) x 10 s + 1 s = 11 s, below a 15 s minimum.
    const container = { livenessProbe: { httpGet: { path: '/livez', port: 8080 }, failureThreshold: 2, timeoutSeconds: 1 } };
    assert.deepEqual(messages('liveness-blip-intolerant', container, { minLivenessToleranceSeconds: 15 }), [
      `${LIVE}.failureThreshold: livenessProbe restarts the container after a 11s outage ((2 - 1) x 10s + 1s timeout); tolerate at least 15s`,
    ]);
  });
});

describe('probe-shared-endpoint: what counts as the same endpoint', () => {
  const HTTP_FIX =
    'Serve separate endpoints (/livez for "am I wedged?", /readyz for "can I serve?"), or keep the shared one cheap and give liveness a higher failureThreshold than readiness.';
  const GRPC_FIX =
    'Register two service names in the gRPC health server (for example `liveness` reporting the process, `readiness` its dependencies) and set `grpc.service` on each probe; or give liveness a higher failureThreshold than readiness.';
  // Default timings on both probes: each acts after 3 x 10 s = 30 s of failures, so liveness is as strict as readiness.
  const strict = (key: string): string =>
    `${LIVE}: livenessProbe and readinessProbe both probe ${key} and liveness acts after 30s of failures, readiness after 30s: every failure that takes the pod out of the load balancer also restarts it`;
  const shared = (liveness: PlainObject, readiness: PlainObject, extra: PlainObject = {}): [string, string | undefined][] =>
    lint('probe-shared-endpoint', { livenessProbe: liveness, readinessProbe: readiness, ...extra }).map((f) => [`${f.path.join('.')}: ${f.message}`, f.fix]);

  test('httpGet without path is GET / on both', () => {
    assert.deepEqual(shared({ httpGet: { port: 8080 } }, { httpGet: { port: 8080 } }), [[strict('GET :8080/'), HTTP_FIX]]);
    assert.deepEqual(shared({ httpGet: { port: 8080 } }, { httpGet: { path: '/', port: 8080 } }), [[strict('GET :8080/'), HTTP_FIX]]);
  });

  test('trailing slashes are ignored, however many', () => {
    assert.deepEqual(shared({ httpGet: { path: '/healthz//', port: 8080 } }, { httpGet: { path: '/healthz', port: 8080 } }), [[strict('GET :8080/healthz'), HTTP_FIX]]);
  });

  test('the scheme is part of the endpoint: HTTPS on both is shared, HTTPS against HTTP is not', () => {
    assert.deepEqual(shared({ httpGet: { path: '/healthz', port: 8443, scheme: 'HTTPS' } }, { httpGet: { path: '/healthz', port: 8443, scheme: 'HTTPS' } }), [
      [strict('HTTPS GET :8443/healthz'), HTTP_FIX],
    ]);
    assert.deepEqual(shared({ httpGet: { path: '/healthz', port: 8443, scheme: 'HTTPS' } }, { httpGet: { path: '/healthz', port: 8443 } }), []);
  });

  test('the host is part of the endpoint', () => {
    assert.deepEqual(shared({ httpGet: { host: '10.0.0.1', path: '/healthz', port: 8080 } }, { httpGet: { host: '10.0.0.1', path: '/healthz', port: 8080 } }), [
      [strict('GET 10.0.0.1:8080/healthz'), HTTP_FIX],
    ]);
    assert.deepEqual(shared({ httpGet: { host: '10.0.0.1', path: '/healthz', port: 8080 } }, { httpGet: { host: '10.0.0.2', path: '/healthz', port: 8080 } }), []);
  });

  test('a gRPC probe without service asks for the empty service name; two service names are two endpoints', () => {
    assert.deepEqual(shared({ grpc: { port: 9090 } }, { grpc: { port: 9090 } }), [[strict('gRPC :9090 service ""'), GRPC_FIX]]);
    assert.deepEqual(shared({ grpc: { port: 9090, service: 'app' } }, { grpc: { port: 9090, service: 'app' } }), [[strict('gRPC :9090 service "app"'), GRPC_FIX]]);
    assert.deepEqual(shared({ grpc: { port: 9090, service: 'liveness' } }, { grpc: { port: 9090, service: 'readiness' } }), []);
  });

  test('an exec probe running grpc_health_probe (bare, by path, or in a shell line) gets the gRPC fix', () => {
    for (const command of [
      ['grpc_health_probe', '-addr=:9090'],
      ['/bin/grpc_health_probe', '-addr=:9090'],
      ['sh', '-c', 'exec grpc_health_probe -addr=:9090'],
      ['sh', '-c', 'grpc_health_probe -addr=:9090 || exit 1'],
    ]) {
      assert.deepEqual(shared({ exec: { command } }, { exec: { command } }), [[strict(`exec ${JSON.stringify(command)}`), GRPC_FIX]], command.join(' '));
    }
  });

  test('other exec commands, including names that only contain grpc_health_probe, get the endpoint fix', () => {
    for (const command of [
      ['cat', '/tmp/healthy'],
      ['my_grpc_health_probe', '-addr=:9090'],
      ['sh', '-c', 'grpc_health_probe_wrapper -addr=:9090'],
      [['grpc_health_probe'], '-addr=:9090'], // not a string: the API server would reject it, and it runs nothing
    ]) {
      assert.deepEqual(shared({ exec: { command } }, { exec: { command } }), [[strict(`exec ${JSON.stringify(command)}`), HTTP_FIX]], JSON.stringify(command));
    }
  });

  test('a probe without a handler, or an exec without command, shares nothing (and does not throw)', () => {
    assert.deepEqual(shared({ periodSeconds: 10 }, { httpGet: { path: '/healthz', port: 8080 } }), []);
    assert.deepEqual(shared({ httpGet: { path: '/healthz', port: 8080 } }, { periodSeconds: 10 }), []);
    assert.deepEqual(shared({ periodSeconds: 10 }, { periodSeconds: 10 }), []);
    assert.deepEqual(shared({ exec: {} }, { exec: {} }), []);
  });
});

describe('resolvePort', () => {
  const container = (ports: unknown): LongRunningContainer => ({ name: 'api', path: ['spec', 'containers', 0], value: { name: 'api', ports }, sidecar: false });

  test('a number is the port itself, declared or not', () => {
    assert.equal(resolvePort(container([]), 8080), 8080);
    assert.equal(resolvePort(container(undefined), 9090), 9090);
  });

  test('a name resolves through the container ports; an undeclared name does not', () => {
    const c = container([{ containerPort: 9000 }, { name: 'http', containerPort: 8080 }]);
    assert.equal(resolvePort(c, 'http'), 8080);
    assert.equal(resolvePort(c, 'metrics'), undefined);
    assert.equal(resolvePort(container(undefined), 'http'), undefined);
  });

  test('a missing port does not match a port entry that has no name', () => {
    assert.equal(resolvePort(container([{ containerPort: 8080 }]), undefined), undefined);
  });

  test('a named port whose containerPort is not a number resolves to nothing', () => {
    assert.equal(resolvePort(container([{ name: 'http', containerPort: '8080' }]), 'http'), undefined);
  });
});
