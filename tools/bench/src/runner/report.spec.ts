import { describe, expect, it } from 'vitest';
import { buildResults, formatNumber, formatTable } from './report.js';
import { Samples } from './samples.js';
import { parseSettings, type BenchSettings } from './settings.js';

const settings = parseSettings([]) as BenchSettings;

function samplesOf(values: Record<string, number[]>): Samples {
  const samples = new Samples();
  for (const [key, list] of Object.entries(values))
    list.forEach((value, i) => samples.add(key, i + 1, value));
  return samples;
}

describe('buildResults', () => {
  it('compares the medians and passes a higher-is-better metric at or above its target ratio', () => {
    const [result] = buildResults(
      samplesOf({ 'events.wharf': [960, 950, 990], 'events.raw': [1_000, 1_000, 1_000] }),
      settings,
    );
    expect(result).toMatchObject({ id: 'event-throughput', ratio: 0.96, target: '≥ 0.95', pass: true });
    expect(result?.roundRatios?.min).toBeCloseTo(0.95);
  });

  it('misses a lower-is-better metric above its target ratio', () => {
    const [result] = buildResults(
      samplesOf({ 'consumer-cpu.wharf': [60, 62], 'consumer-cpu.raw': [50, 50] }),
      settings,
    );
    expect(result).toMatchObject({ id: 'consumer-cpu', target: '≤ 1.15', pass: false });
    expect(result?.ratio).toBeCloseTo(1.22);
  });

  it('reports a metric without a baseline or target as information only', () => {
    const [result] = buildResults(samplesOf({ 'memory.wharf': [10_000, 12_000] }), settings);
    expect(result).toMatchObject({ id: 'in-memory', wharf: { median: 11_000 } });
    expect(result?.pass).toBeUndefined();
  });

  it('leaves out what was not measured', () => {
    expect(buildResults(new Samples(), settings)).toEqual([]);
  });
});

describe('formatTable', () => {
  it('prints one Markdown row per metric with median (min–max), ratio and verdict', () => {
    const results = buildResults(
      samplesOf({ 'events.wharf': [900, 800], 'events.raw': [1_000, 1_000] }),
      settings,
    );
    const lines = formatTable(results).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain(
      '| 850 (800–900) | 1,000 (1,000–1,000) | 0.85 (0.80–0.90) | ≥ 0.95 | **miss** |',
    );
  });
});

describe('formatNumber', () => {
  it('rounds big numbers with separators and keeps decimals for small ones', () => {
    expect(formatNumber(12_345.6)).toBe('12,346');
    expect(formatNumber(42.26)).toBe('42.3');
    expect(formatNumber(3.14159)).toBe('3.14');
  });
});
