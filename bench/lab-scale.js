// How the probe lab scales with replicas: `node bench/lab-scale.js [replicas...]` after `npx tsc -b`.
// Each run: one minute of N replicas behind kube-proxy, readiness on Redis, Redis down from 20 s to
// 35 s (every replica leaves the load balancer and comes back), 50 requests per second. Prints the
// wall time and CPU time of the simulation and the peak resident memory of the process, one JSON line
// per size (run one size per process for a clean memory figure).
import { parseScenario } from '../packages/cli/dist/lab/scenario/load-scenario.js';
import { simulate } from '../packages/cli/dist/lab/simulate.js';

const sizes = process.argv.slice(2).map(Number);
for (const replicas of sizes.length > 0 ? sizes : [1000, 5000, 20_000]) {
  const scenario = await parseScenario(
    `name: scale-${replicas}
duration: 1m
replicas: ${replicas}
traffic: { rps: 50 }
dependencies: { redis: {} }
pod:
  readinessProbe: { periodSeconds: 5, failureThreshold: 1 }
  livenessProbe: { periodSeconds: 10 }
app:
  checks:
    - { name: redis, probes: [readiness], uses: redis, intervalMs: 5000 }
faults:
  - { dependency: redis, kind: down, at: 20s, for: 15s }
`,
    `scale-${replicas}.yaml`,
  );
  const cpuBefore = process.cpuUsage();
  const result = await simulate(scenario);
  const cpu = process.cpuUsage(cpuBefore);
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  // CPU time as well as wall time: on a shared machine the wall time also counts the time other processes ran.
  const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  console.log(JSON.stringify({ replicas, simulatedSeconds: 60, events: result.stats.events, wallMs: result.stats.wallMs, cpuMs, maxRssMb, requestsFailed: result.summary.requestsFailed }));
}
