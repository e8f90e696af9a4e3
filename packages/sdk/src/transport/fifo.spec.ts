import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.js';

describe('Fifo', () => {
  it('keeps order across pushes, shifts and items put back at the front', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 5_000; i += 1) fifo.push(i);
    const taken = Array.from({ length: 3_000 }, () => fifo.shift());
    expect(taken.slice(0, 3)).toEqual([0, 1, 2]);
    fifo.unshift(2_999);
    expect(fifo.length).toBe(2_001);
    expect(fifo.toArray().slice(0, 2)).toEqual([2_999, 3_000]);
    expect(fifo.shift()).toBe(2_999);
    while (fifo.length > 0) fifo.shift();
    expect(fifo.shift()).toBeUndefined();
    fifo.unshift(7);
    expect(fifo.toArray()).toEqual([7]);
  });
});
