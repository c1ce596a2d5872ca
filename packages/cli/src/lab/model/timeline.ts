/** A half-open interval of virtual time with a label, `[from, to)` in ms from the start. */
export interface Segment<T extends string = string> {
  readonly from: number;
  to: number;
  readonly value: T;
}

/** A value over time, kept as consecutive segments (the last one is open until closed). */
export class Track<T extends string> {
  readonly segments: Segment<T>[] = [];

  set(value: T, at: number): void {
    const last = this.segments[this.segments.length - 1];
    if (last && last.value === value) return;
    if (last) {
      last.to = at;
      if (last.to === last.from) this.segments.pop();
      const prev = this.segments[this.segments.length - 1];
      if (prev && prev.value === value) {
        prev.to = Number.POSITIVE_INFINITY;
        return;
      }
    }
    this.segments.push({ from: at, to: Number.POSITIVE_INFINITY, value });
  }

  get current(): T | undefined {
    return this.segments[this.segments.length - 1]?.value;
  }

  /** Closes the open segment at `end` and returns the segments. */
  close(end: number): Segment<T>[] {
    const last = this.segments[this.segments.length - 1];
    if (last && last.to > end) last.to = end;
    return this.segments;
  }

  /** Total ms spent in `value` within [from, to). */
  total(value: T, from: number, to: number): number {
    let sum = 0;
    for (const s of this.segments) {
      if (s.value !== value) continue;
      const a = Math.max(s.from, from);
      const b = Math.min(s.to, to);
      if (b > a) sum += b - a;
    }
    return sum;
  }
}
