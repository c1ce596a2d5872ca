/**
 * Memory check against the container's limit: the cgroup's working set (or this process's RSS)
 * as a share of `memory.max` (cgroup v2) or `memory.limit_in_bytes` (cgroup v1), for readiness
 * load-shedding before the kernel's OOM killer ends the container.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError } from './shared.js';
import { formatBytes, percent } from './disk.js';

/** Options of `memoryCheck()`. */
export interface MemoryCheckOptions {
  /** Fail when usage exceeds this percentage of the limit. @default 90 */
  readonly maxUsedPercent?: number;
  /**
   * What is compared with the limit. `'cgroup'`: the container's working set (usage minus inactive
   * file cache, every process in the container); `'rss'`: this process's resident set.
   * @default 'cgroup' (this process's RSS where no cgroup files are found)
   */
  readonly usage?: 'cgroup' | 'rss';
  /** The limit in bytes. @default the cgroup's limit, else `process.constrainedMemory()` */
  readonly limitBytes?: number;
  /** Where the cgroup file system is mounted. @default '/sys/fs/cgroup' */
  readonly cgroupRoot?: string;
  /** This process's resident set size; injectable for tests. @default process.memoryUsage.rss */
  readonly rss?: () => number;
}

export const memoryCheckDefaults = {
  maxUsedPercent: 90,
  usage: 'cgroup',
  cgroupRoot: '/sys/fs/cgroup',
  rss: () => process.memoryUsage.rss(),
} satisfies Required<Omit<MemoryCheckOptions, 'limitBytes'>>;

/** Numbers at or above this are the kernel's "no limit" (cgroup v1 writes 2^63 rounded to a page). */
const UNLIMITED = 2 ** 62;

interface Cgroup {
  readonly version: 1 | 2;
  readonly usage: number;
  readonly inactiveFile: number;
  readonly limit: number | undefined;
}

/**
 * Fails while memory use is above `maxUsedPercent` of the container's limit. Made for readiness:
 * shedding traffic lets a busy replica drain before it is OOM-killed. Passes, saying so in its
 * output, where there is no limit to measure against.
 */
export function memoryCheck(options: MemoryCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('memoryCheck() options', options, ['maxUsedPercent', 'usage', 'limitBytes', 'cgroupRoot', 'rss']);
  const maxUsedPercent = percent('maxUsedPercent', options.maxUsedPercent ?? memoryCheckDefaults.maxUsedPercent);
  const usage = v.oneOf('usage', options.usage ?? memoryCheckDefaults.usage, ['cgroup', 'rss'] as const);
  const limitBytes = options.limitBytes === undefined ? undefined : v.positiveInteger('limitBytes', options.limitBytes);
  const cgroupRoot = v.string('cgroupRoot', options.cgroupRoot ?? memoryCheckDefaults.cgroupRoot);
  const rss = options.rss ?? memoryCheckDefaults.rss;
  if (typeof rss !== 'function') throw new TypeError(`Expected \`rss\` to be a function, got \`${v.describe(rss)}\``);

  const check = async () => {
    const cgroup = await readCgroup(cgroupRoot);
    const limit = limitBytes ?? cgroup?.limit ?? constrained();
    let used: number;
    let what: string;
    if (usage === 'cgroup' && cgroup) {
      // NOTE: the working set as cAdvisor computes it (google/cadvisor, container/libcontainer/
      // handler.go, setMemoryStats): usage minus inactive file cache, which the kernel reclaims
      // before it OOM-kills.
      used = Math.max(0, cgroup.usage - cgroup.inactiveFile);
      what = `cgroup v${cgroup.version} working set`;
    } else {
      used = rss();
      what = 'rss';
    }
    if (limit === undefined) {
      return { observedValue: used, observedUnit: 'bytes', measurement: 'utilization', componentType: 'system', output: `${what} ${formatBytes(used)}, no memory limit` };
    }
    const usedPercent = Math.round((used / limit) * 1000) / 10;
    const shown = `${what} ${formatBytes(used)} of ${formatBytes(limit)} (${usedPercent}%)`;
    if (usedPercent > maxUsedPercent) throw new DependencyCheckError('memory', `${shown}, above maxUsedPercent ${maxUsedPercent}%`);
    return { observedValue: usedPercent, observedUnit: 'percent', measurement: 'utilization', componentType: 'system', output: shown };
  };

  return Object.freeze({ check, dependency: false, componentType: 'system' });
}

/** The limit Node reports (libuv reads the same cgroup files); undefined when there is none. */
function constrained(): number | undefined {
  const value = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return value !== undefined && value > 0 && value < UNLIMITED ? value : undefined;
}

/** The container's cgroup memory numbers, v2 first; undefined where neither is mounted. */
async function readCgroup(root: string): Promise<Cgroup | undefined> {
  const v2 = await readNumbers(root, 'memory.current', 'memory.max', 'memory.stat', 'inactive_file');
  if (v2) return { version: 2, ...v2 };
  const v1 = await readNumbers(join(root, 'memory'), 'memory.usage_in_bytes', 'memory.limit_in_bytes', 'memory.stat', 'total_inactive_file');
  if (v1) return { version: 1, ...v1 };
  return undefined;
}

async function readNumbers(dir: string, usageFile: string, limitFile: string, statFile: string, inactiveKey: string): Promise<Omit<Cgroup, 'version'> | undefined> {
  let usageText: string;
  try {
    usageText = await readFile(join(dir, usageFile), 'utf8');
  } catch {
    return undefined;
  }
  const [limitText, statText] = await Promise.all([readFile(join(dir, limitFile), 'utf8').catch(() => 'max'), readFile(join(dir, statFile), 'utf8').catch(() => '')]);
  const usage = Number(usageText.trim());
  if (!Number.isFinite(usage)) throw new DependencyCheckError('memory', `unreadable ${join(dir, usageFile)}: ${JSON.stringify(usageText.trim())}`);
  const limitValue = limitText.trim() === 'max' ? Number.POSITIVE_INFINITY : Number(limitText.trim());
  const limit = Number.isFinite(limitValue) && limitValue > 0 && limitValue < UNLIMITED ? limitValue : undefined;
  const line = statText.split('\n').find((l) => l.startsWith(`${inactiveKey} `));
  const inactiveFile = line === undefined ? 0 : Number(line.slice(inactiveKey.length + 1)) || 0;
  return { usage, inactiveFile, limit };
}
