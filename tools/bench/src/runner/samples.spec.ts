import { describe, expect, it } from 'vitest';
import { Samples } from './samples.js';

describe('Samples', () => {
  it('keeps values in round order and pairs rounds for ratios', () => {
    const samples = new Samples();
    samples.add('a', 2, 20);
    samples.add('a', 1, 10);
    samples.add('b', 1, 5);
    expect(samples.values('a')).toEqual([10, 20]);
    expect(samples.ratios('a', 'b')).toEqual([2]);
    expect(samples.at('a', 2)).toBe(20);
    expect(samples.toJSON()).toEqual({ a: [10, 20], b: [5] });
  });

  it('refuses a value that is not a finite number', () => {
    expect(() => new Samples().add('a', 1, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
