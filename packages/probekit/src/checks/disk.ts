/** Disk readiness check: free space of the file system holding a path (fs.statfs). */
import { statfs } from 'node:fs/promises';
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, wrapError } from './shared.js';

/** Options of `diskCheck()`. At least one threshold applies; both may. */
export interface DiskCheckOptions {
  /** A path on the file system to watch. @default '/' */
  readonly path?: string;
  /** Fail below this many free bytes (available to unprivileged users). @default undefined */
  readonly minFreeBytes?: number;
  /** Fail below this percentage of free space. @default 10 (when `minFreeBytes` is not set) */
  readonly minFreePercent?: number;
}

export const diskCheckDefaults = { path: '/', minFreePercent: 10 } satisfies Required<Omit<DiskCheckOptions, 'minFreeBytes'>>;

const KIND = 'disk';

/**
 * A readiness check on free disk space: a full disk is a reason to stop taking traffic (writes fail)
 * but rarely a reason to restart. Not a dependency: it asks the kernel, not a peer.
 */
export function diskCheck(options: DiskCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('diskCheck() options', options, ['path', 'minFreeBytes', 'minFreePercent']);
  const path = v.string('path', options.path ?? diskCheckDefaults.path);
  const minFreeBytes = options.minFreeBytes === undefined ? undefined : v.nonNegativeInteger('minFreeBytes', options.minFreeBytes);
  const minFreePercent =
    options.minFreePercent === undefined ? (minFreeBytes === undefined ? diskCheckDefaults.minFreePercent : undefined) : percent('minFreePercent', options.minFreePercent);

  const check = async () => {
    let stats;
    try {
      stats = await statfs(path);
    } catch (error) {
      throw wrapError(KIND, error);
    }
    const free = stats.bavail * stats.bsize;
    const total = stats.blocks * stats.bsize;
    const freePercent = total === 0 ? 100 : Math.round((free / total) * 1000) / 10;
    const shown = `${formatBytes(free)} free of ${formatBytes(total)} (${freePercent}%) at ${path}`;
    if (minFreeBytes !== undefined && free < minFreeBytes) throw new DependencyCheckError(KIND, `${shown}, below minFreeBytes ${formatBytes(minFreeBytes)}`);
    if (minFreePercent !== undefined && freePercent < minFreePercent) throw new DependencyCheckError(KIND, `${shown}, below minFreePercent ${minFreePercent}%`);
    return { observedValue: freePercent, observedUnit: 'percent', measurement: 'freeSpace', componentType: 'system', output: shown };
  };

  return Object.freeze({ check, dependency: false, componentType: 'system' });
}

export function percent(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new TypeError(`Expected \`${name}\` to be a number from 0 to 100, got \`${v.describe(value)}\``);
  }
  return value;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
