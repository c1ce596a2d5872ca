// The lab against a real cluster: `node conformance/kind/run.mjs [--keep] [--require]` from the
// repository root after `npm ci && npx tsc -b`. Needs a running Docker engine, kind and kubectl.
// Without them it prints why and exits 0 (2 with --require). See conformance/kind/README.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { doBackOff, FlowcontrolBackoff, kubeletHasExpired } from '../../packages/cli/dist/lab/model/backoff.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLUSTER = 'probekit-conformance';
const IMAGE = 'probekit-demo:conformance';
const NS = 'probekit-conformance';
const keep = process.argv.includes('--keep');
const requireTools = process.argv.includes('--require');

/** What is missing to run on a cluster, in words; empty when everything is there. */
export function missingTools() {
  const missing = [];
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) missing.push('a running Docker engine (`docker info` failed)');
  if (spawnSync('kind', ['version'], { stdio: 'ignore' }).status !== 0) missing.push('kind (https://kind.sigs.k8s.io)');
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0) missing.push('kubectl');
  return missing;
}

const sh = (cmd, args, input) => execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'], ...(input ? { input } : {}) });
const kubectl = (...args) => sh('kubectl', ['--context', `kind-${CLUSTER}`, '-n', NS, ...args]);
const apply = (manifest) => sh('kubectl', ['--context', `kind-${CLUSTER}`, '-n', NS, 'apply', '-f', '-'], manifest);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (iso) => Date.parse(iso) / 1000;

/** A Deployment of the demo with the given probes, as YAML (JSON is YAML). */
function deployment(name, { replicas = 1, probes, grace = 5, strategy, warmup = 1 }) {
  const probe = (path, spec) => spec && { httpGet: { path, port: 8081 }, ...spec };
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(strategy ? { strategy } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: grace,
          containers: [
            {
              name: 'demo',
              image: IMAGE,
              imagePullPolicy: 'Never',
              args: ['--warmup-seconds', String(warmup)],
              ports: [{ containerPort: 3000 }, { containerPort: 8081 }],
              ...(probes.startup ? { startupProbe: probe('/startupz', probes.startup) } : {}),
              ...(probes.liveness ? { livenessProbe: probe('/livez', probes.liveness) } : {}),
              ...(probes.readiness ? { readinessProbe: probe('/readyz', probes.readiness) } : {}),
            },
          ],
        },
      },
    },
  });
}

function service(name) {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [{ port: 3000 }] } });
}

async function waitFor(what, test, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

const podOf = (app) => JSON.parse(kubectl('get', 'pods', '-l', `app=${app}`, '-o', 'json')).items[0];

/**
 * Check 1: a container that is ready at once is Ready about 1 s after its start (the kubelet's manual
 * readiness trigger), not one readiness period (10 s) later. Lab: prober_manager.go UpdatePodStatus.
 */
async function readinessAfterStart() {
  apply(deployment('ready-at-once', { probes: { readiness: { periodSeconds: 10 } }, warmup: 0 }));
  const pod = await waitFor('a Ready pod', () => {
    const p = podOf('ready-at-once');
    return p?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
  });
  const started = seconds(pod.status.containerStatuses[0].state.running.startedAt);
  const ready = seconds(pod.status.conditions.find((c) => c.type === 'Ready').lastTransitionTime);
  const delta = ready - started;
  // Timestamps are whole seconds and the demo needs a moment to listen: within 3 s, and well short of the period.
  return { check: 'Ready after start (readiness period 10 s)', lab: '≈ 1 s', cluster: `${delta} s`, tolerance: '≤ 3 s', ok: delta <= 3 };
}

/**
 * Check 2: restart times after probe kills. Each container gets the demo's `hang-job` fault once it is
 * running, so liveness (1 s × 1) kills it; the cluster's container start times are compared with the
 * lab's doBackOff replayed on the cluster's own exit times. Lab: kuberuntime_manager.go SyncPod, doBackOff.
 */
async function probeKillRestarts(kills = 7) {
  apply(deployment('probe-kills', { probes: { startup: { periodSeconds: 1, failureThreshold: 30 }, liveness: { periodSeconds: 1, failureThreshold: 1 } } }));
  const starts = [];
  const exits = [];
  for (let i = 0; i <= kills; i++) {
    const pod = await waitFor(`container ${i + 1} running`, () => {
      const p = podOf('probe-kills');
      const c = p?.status?.containerStatuses?.[0];
      return c && c.restartCount === i && c.state.running && c.started ? p : undefined;
    }, 900_000);
    const c = pod.status.containerStatuses[0];
    starts.push(seconds(c.state.running.startedAt));
    if (i > 0) exits.push(seconds(c.lastState.terminated.finishedAt));
    if (i === kills) break;
    kubectl('exec', pod.metadata.name, '--', 'wget', '-q', '-O', '-', '--post-data=', 'http://127.0.0.1:3000/admin/fault/hang-job');
  }
  // Replay the lab's rule on the cluster's exits: start at once, or when the back-off since the
  // previous exit (then since this exit) has passed, plus the 1.34 pod worker's 10–15 s retry.
  let now = 0;
  const backoff = new FlowcontrolBackoff(() => now, { hasExpired: kubeletHasExpired });
  const rows = [];
  for (let i = 0; i < exits.length; i++) {
    now = exits[i] * 1000;
    const before = i === 0 ? undefined : exits[i - 1] * 1000;
    let decision = doBackOff(backoff, before);
    let lo = now;
    let hi = now;
    if (decision.inBackOff) {
      now = decision.untilMs;
      decision = doBackOff(backoff, exits[i] * 1000);
      if (decision.inBackOff) now = decision.untilMs;
      doBackOff(backoff, exits[i] * 1000);
      lo = now;
      hi = now + 15_000;
    }
    const observed = starts[i + 1] * 1000;
    // Whole-second timestamps and the kill itself: 2 s either side.
    const ok = observed >= lo - 2000 && observed <= hi + 2000;
    rows.push({ check: `restart after probe kill ${i + 1}`, lab: lo === hi ? 'at once' : `${(lo - exits[i] * 1000) / 1000}–${(hi - exits[i] * 1000) / 1000} s after the exit`, cluster: `${(observed - exits[i] * 1000) / 1000} s after the exit`, tolerance: '± 2 s', ok });
  }
  return rows;
}

/**
 * Check 3: EndpointSlice transitions when every old pod terminates at once (maxSurge 3,
 * maxUnavailable 3): each old endpoint turns terminating at once, and stops serving within a readiness
 * period (probekit fails readiness at SIGTERM) — the conditions the lab's load balancer reads.
 */
async function terminatingEndpoints() {
  const name = 'rollout';
  apply(service(name));
  apply(deployment(name, { replicas: 3, grace: 30, probes: { readiness: { periodSeconds: 2 } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 3 } } }));
  await waitFor('3 ready endpoints', () => {
    const slices = JSON.parse(kubectl('get', 'endpointslices', '-l', `kubernetes.io/service-name=${name}`, '-o', 'json')).items;
    return slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions.ready).length === 3;
  });
  const oldPods = JSON.parse(kubectl('get', 'pods', '-l', `app=${name}`, '-o', 'json')).items.map((p) => p.metadata.name);
  const restartedAt = Date.now();
  kubectl('rollout', 'restart', `deployment/${name}`);
  const seen = new Map();
  await waitFor('every old endpoint gone or not serving', () => {
    const slices = JSON.parse(kubectl('get', 'endpointslices', '-l', `kubernetes.io/service-name=${name}`, '-o', 'json')).items;
    for (const e of slices.flatMap((s) => s.endpoints ?? [])) {
      const pod = e.targetRef?.name;
      if (!oldPods.includes(pod)) continue;
      const entry = seen.get(pod) ?? {};
      if (e.conditions.terminating && entry.terminating === undefined) entry.terminating = (Date.now() - restartedAt) / 1000;
      if (e.conditions.terminating && !e.conditions.serving && entry.notServing === undefined) entry.notServing = (Date.now() - restartedAt) / 1000;
      seen.set(pod, entry);
    }
    return oldPods.every((p) => seen.get(p)?.notServing !== undefined);
  });
  return oldPods.map((pod) => {
    const { terminating, notServing } = seen.get(pod);
    const gap = notServing - terminating;
    return { check: `${pod}: terminating -> not serving`, lab: '≤ readiness period (2 s) + propagation', cluster: `${gap.toFixed(1)} s`, tolerance: '≤ 6 s', ok: gap <= 6 };
  });
}

async function main() {
  const missing = missingTools();
  if (missing.length > 0) {
    console.log(`SKIPPED: the kind conformance harness needs ${missing.join(', ')}.`);
    process.exit(requireTools ? 2 : 0);
  }
  const clusters = sh('kind', ['get', 'clusters']).split('\n');
  if (!clusters.includes(CLUSTER)) sh('kind', ['create', 'cluster', '--name', CLUSTER]);
  try {
    sh('docker', ['build', '-f', 'conformance/kind/Dockerfile', '-t', IMAGE, '.']);
    sh('kind', ['load', 'docker-image', IMAGE, '--name', CLUSTER]);
    spawnSync('kubectl', ['--context', `kind-${CLUSTER}`, 'create', 'namespace', NS], { stdio: 'ignore' });
    const version = JSON.parse(sh('kubectl', ['--context', `kind-${CLUSTER}`, 'version', '-o', 'json'])).serverVersion.gitVersion;
    const rows = [await readinessAfterStart(), ...(await probeKillRestarts()), ...(await terminatingEndpoints())];
    console.log(`cluster: kind, Kubernetes ${version}; lab rules read at v1.34`);
    console.table(rows);
    const failed = rows.filter((r) => !r.ok);
    console.log(failed.length === 0 ? 'every check within its tolerance' : `${failed.length} check(s) outside their tolerance`);
    process.exitCode = failed.length === 0 ? 0 : 1;
  } finally {
    if (!keep) sh('kind', ['delete', 'cluster', '--name', CLUSTER]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
