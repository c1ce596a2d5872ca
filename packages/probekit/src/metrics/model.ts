/** Metric families as plain data: structured-cloneable, so the main thread can post them to the probe worker. */

export type Labels = Readonly<Record<string, string>>;

/** Requests served, by probe label and status code: counted by the probe servers, rendered here. */
export interface RequestCount {
  readonly probe: string;
  readonly code: string;
  readonly count: number;
}

export interface Sample {
  readonly labels?: Labels;
  readonly value: number;
}

/** A counter or gauge. A counter's `name` ends in `_total` (Prometheus text); OpenMetrics drops it from the family name. */
export interface ScalarFamily {
  readonly type: 'counter' | 'gauge';
  readonly name: string;
  readonly help: string;
  /** Base unit, e.g. `seconds`; the name ends with it (before `_total`). */
  readonly unit?: string;
  readonly samples: readonly Sample[];
}

export interface HistogramSeries {
  readonly labels?: Labels;
  /** Upper bounds, ascending, without +Inf. */
  readonly bounds: readonly number[];
  /** Cumulative counts per bound, same length as `bounds`. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum: number;
}

export interface HistogramFamily {
  readonly type: 'histogram';
  readonly name: string;
  readonly help: string;
  readonly unit?: string;
  readonly series: readonly HistogramSeries[];
}

export type MetricFamily = ScalarFamily | HistogramFamily;

/** Prometheus' client-library default buckets, in seconds. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** A histogram accumulating observations into fixed buckets. */
export class Histogram {
  readonly bounds: readonly number[];
  readonly #counts: number[];
  #count = 0;
  #sum = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.#counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.#count += 1;
    this.#sum += value;
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) this.#counts[i]! += 1;
  }

  series(labels?: Labels): HistogramSeries {
    return { ...(labels ? { labels } : {}), bounds: this.bounds, counts: [...this.#counts], count: this.#count, sum: this.#sum };
  }
}

/** Validates histogram bucket bounds: finite, ascending, at least one. */
export function validBuckets(name: string, value: unknown): readonly number[] {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((b, i) => typeof b === 'number' && Number.isFinite(b) && (i === 0 || b > (value[i - 1] as number)));
  if (!ok) {
    let shown: string;
    try {
      shown = JSON.stringify(value);
    } catch {
      shown = String(value);
    }
    throw new TypeError(`Expected \`${name}\` to be a non-empty array of finite numbers in ascending order, got \`${shown}\``);
  }
  return Object.freeze([...(value as number[])]);
}
