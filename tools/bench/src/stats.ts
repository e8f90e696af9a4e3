/** Median, spread and sample count of one measured quantity over the rounds of a run. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Interquartile range (p75 − p25), by linear interpolation. */
  readonly iqr: number;
  /** (max − min) / median: how noisy the quantity was on this machine. */
  readonly spread: number;
  readonly samples: readonly number[];
}

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError('No values to summarize');
  if (values.some((value) => !Number.isFinite(value))) throw new RangeError('Values must be finite numbers');
  return [...values].sort((a, b) => a - b);
}

// Linear interpolation between closest ranks (the "R-7" method of R, numpy and Excel's PERCENTILE.INC).
function rank(ordered: readonly number[], p: number): number {
  const position = (ordered.length - 1) * (p / 100);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = ordered[lower] as number;
  const high = ordered[upper] as number;
  return low + (high - low) * (position - lower);
}

/** The `p`th percentile (0–100) of `values`, interpolating linearly between the closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`Percentile must be from 0 to 100, got ${p}`);
  return rank(sorted(values), p);
}

/** The median of `values`: the middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  return rank(sorted(values), 50);
}

/** Median, min, max, IQR and relative spread of `values`. */
export function summarize(values: readonly number[]): Summary {
  const ordered = sorted(values);
  const mid = rank(ordered, 50);
  const min = ordered[0] as number;
  const max = ordered[ordered.length - 1] as number;
  return {
    median: mid,
    min,
    max,
    iqr: rank(ordered, 75) - rank(ordered, 25),
    spread: mid === 0 ? 0 : (max - min) / Math.abs(mid),
    samples: [...values],
  };
}

/** Items per second for `count` items done in `elapsedMs`. */
export function ratePerSecond(count: number, elapsedMs: number): number {
  if (!(elapsedMs > 0)) throw new RangeError(`Elapsed time must be positive, got ${elapsedMs} ms`);
  return (count * 1000) / elapsedMs;
}
