import { describe, expect, it } from 'vitest';
import { parseSettings, SCENARIOS } from './settings.js';

describe('parseSettings', () => {
  it('measures every scenario over 5 rounds at the sizes of the issue by default', () => {
    expect(parseSettings([])).toMatchObject({
      rounds: 5,
      scenarios: [...SCENARIOS],
      events: 20_000,
      sequentialRequests: 5_000,
      inFlight: 50,
      prefetch: 32,
    });
  });

  it('shrinks everything for --quick, and --rounds still wins', () => {
    expect(parseSettings(['--quick'])).toMatchObject({ quick: true, rounds: 2, events: 2_000 });
    expect(parseSettings(['--quick', '--rounds', '3'])).toMatchObject({ rounds: 3 });
  });

  it('runs only the scenarios named by --only', () => {
    expect(parseSettings(['--only', 'events, memory'])).toMatchObject({ scenarios: ['events', 'memory'] });
  });

  it('refuses unknown scenarios, options and bad numbers', () => {
    expect(() => parseSettings(['--only', 'latency'])).toThrow(/Unknown scenario latency/);
    expect(() => parseSettings(['--rounds', '0'])).toThrow(/--rounds/);
    expect(() => parseSettings(['--fast'])).toThrow();
  });
});
