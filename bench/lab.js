// How fast the probe lab simulates: `node bench/lab.js [scenario.yaml]` after `npm run build`.
// Prints simulated pod-hours, events and wall time.
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../packages/cli/dist/lab/scenario/load-scenario.js';
import { simulate } from '../packages/cli/dist/lab/simulate.js';

const file = process.argv[2] ?? fileURLToPath(new URL('../packages/cli/scenarios/bench-day.yaml', import.meta.url));
const scenario = await loadScenario(file);
const result = await simulate(scenario);
const podHours = (scenario.replicas * scenario.durationMs) / 3_600_000;
console.log(
  JSON.stringify({
    scenario: scenario.name,
    replicas: scenario.replicas,
    simulatedHours: scenario.durationMs / 3_600_000,
    podHours,
    events: result.stats.events,
    wallMs: result.stats.wallMs,
    eventsPerSecond: Math.round(result.stats.events / (result.stats.wallMs / 1000)),
    restarts: result.summary.restarts,
    requestsFailed: result.summary.requestsFailed,
  }),
);
