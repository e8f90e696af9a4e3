import { describe, expect, it } from 'vitest';
import { median, percentile, ratePerSecond, summarize } from './stats.js';

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('refuses an empty list rather than inventing a value', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('interpolates between the closest ranks', () => {
    expect(percentile(hundred, 50)).toBeCloseTo(50.5);
    expect(percentile(hundred, 99)).toBeCloseTo(99.01);
    expect(percentile([10, 20], 25)).toBeCloseTo(12.5);
  });

  it('returns the extremes at 0 and 100', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });

  it('refuses a percentile outside 0–100 and non-finite values', () => {
    expect(() => percentile(hundred, 101)).toThrow(RangeError);
    expect(() => percentile([1, Number.NaN], 50)).toThrow(RangeError);
  });

  it('leaves the caller’s array as it was', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('summarize', () => {
  it('reports the median, the range, the IQR and the spread relative to the median', () => {
    const summary = summarize([100, 90, 110, 95, 105]);
    expect(summary).toMatchObject({ median: 100, min: 90, max: 110, iqr: 10, spread: 0.2 });
    expect(summary.samples).toEqual([100, 90, 110, 95, 105]);
  });
});

describe('ratePerSecond', () => {
  it('turns a count and milliseconds into a rate per second', () => {
    expect(ratePerSecond(20_000, 4_000)).toBe(5_000);
  });

  it('refuses a zero duration', () => {
    expect(() => ratePerSecond(1, 0)).toThrow(RangeError);
  });
});
