/** Heap check: V8 heap used against its limit (heap_size_limit, set by --max-old-space-size). */
import { getHeapStatistics } from 'node:v8';
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError } from './shared.js';
import { formatBytes, percent } from './disk.js';

/** Options of `heapCheck()`. */
export interface HeapCheckOptions {
  /** Fail when the used heap exceeds this percentage of `heap_size_limit`. @default 90 */
  readonly maxUsedPercent?: number;
  /** Heap statistics; injectable for tests. @default v8.getHeapStatistics */
  readonly statistics?: () => { readonly used_heap_size: number; readonly heap_size_limit: number };
}

export const heapCheckDefaults = { maxUsedPercent: 90, statistics: getHeapStatistics } satisfies Required<HeapCheckOptions>;

/**
 * Fails while the heap is close to its limit, where V8 spends its time in GC and an OOM crash is
 * near. On readiness it sheds traffic so the heap can recover; on liveness it restarts a process
 * that leaks (a restart is what fixes a leak) — choose by what your service needs.
 */
export function heapCheck(options: HeapCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('heapCheck() options', options, ['maxUsedPercent', 'statistics']);
  const maxUsedPercent = percent('maxUsedPercent', options.maxUsedPercent ?? heapCheckDefaults.maxUsedPercent);
  const statistics = options.statistics ?? heapCheckDefaults.statistics;
  if (typeof statistics !== 'function') throw new TypeError(`Expected \`statistics\` to be a function, got \`${v.describe(statistics)}\``);

  const check = () => {
    const { used_heap_size: used, heap_size_limit: limit } = statistics();
    const usedPercent = Math.round((used / limit) * 1000) / 10;
    const shown = `heap ${formatBytes(used)} of ${formatBytes(limit)} (${usedPercent}%)`;
    if (usedPercent > maxUsedPercent) throw new DependencyCheckError('heap', `${shown}, above maxUsedPercent ${maxUsedPercent}%`);
    return { observedValue: usedPercent, observedUnit: 'percent', measurement: 'utilization', componentType: 'system', output: shown };
  };

  return Object.freeze({ check, dependency: false, componentType: 'system' });
}
