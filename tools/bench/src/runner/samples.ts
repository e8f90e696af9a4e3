/** The measurements of one run: for each key (e.g. `events.wharf`), one value per round. */
export class Samples {
  readonly #values = new Map<string, Map<number, number>>();

  /** Records the value of `key` in `round`. */
  add(key: string, round: number, value: number): void {
    if (!Number.isFinite(value))
      throw new RangeError(`${key} in round ${round} is not a finite number: ${value}`);
    const rounds = this.#values.get(key) ?? new Map<number, number>();
    rounds.set(round, value);
    this.#values.set(key, rounds);
  }

  /** The values of `key` in round order; empty when it was not measured. */
  values(key: string): number[] {
    return [...(this.#values.get(key) ?? new Map<number, number>()).entries()]
      .sort(([a], [b]) => a - b)
      .map(([, value]) => value);
  }

  /** The value of `key` in `round`, if measured. */
  at(key: string, round: number): number | undefined {
    return this.#values.get(key)?.get(round);
  }

  /** `a / b` for each round in which both were measured. */
  ratios(a: string, b: string): number[] {
    const left = this.#values.get(a);
    const right = this.#values.get(b);
    if (!left || !right) return [];
    return [...left.entries()]
      .filter(([round]) => right.has(round))
      .sort(([x], [y]) => x - y)
      .map(([round, value]) => value / (right.get(round) as number));
  }

  /** Every key with its values in round order. */
  toJSON(): Record<string, number[]> {
    return Object.fromEntries([...this.#values.keys()].sort().map((key) => [key, this.values(key)]));
  }
}
