import { answer, ContainerModule, defineEvent, defineQuery, defineService, inject, injectable, on, WharfError } from '@wharf/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createTestHarness, type TestHarness } from './index.js';

const Tallied = defineEvent({ name: 'clock.tallied', version: 1, schema: z.object({ n: z.number().int() }) });
const Total = defineQuery({ name: 'tally.total', version: 1, request: z.object({}), response: z.object({ total: z.number() }) });

const Counter = Symbol.for('test/Counter');
interface Counter {
  total: number;
}

@injectable()
class AddTally {
  constructor(@inject(Counter) private readonly counter: Counter) {}
  handle(event: { n: number }): void {
    if (event.n < 0) throw new WharfError('NEGATIVE', 'negative tallies are refused', { retryable: false });
    this.counter.total += event.n;
  }
}

@injectable()
class GetTotal {
  constructor(@inject(Counter) private readonly counter: Counter) {}
  handle(): { total: number } {
    return { total: this.counter.total };
  }
}

const tally = defineService({
  name: 'tally',
  modules: [new ContainerModule(({ bind }) => void bind<Counter>(Counter).toConstantValue({ total: 0 }))],
  handlers: [on(Tallied, AddTally), answer(Total, GetTotal)],
});

let harness: TestHarness | undefined;
afterEach(async () => harness?.stop());

describe('createTestHarness', () => {
  it('runs a service on the in-memory bus and waits for what it handled', async () => {
    harness = await createTestHarness([tally]);
    await harness.publish(Tallied, { n: 2 });
    await harness.publish(Tallied, { n: 3 });
    const handled = await harness.waitForHandled(Tallied, { count: 2 });
    expect(handled.map((e) => e.service)).toEqual(['tally', 'tally']);
    expect(harness.get<Counter>(Counter).total).toBe(5);
    await expect(harness.request(Total, {})).resolves.toEqual({ total: 5 });
    expect(harness.published(Tallied)).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('shows dead-lettered messages with their reason', async () => {
    harness = await createTestHarness([tally]);
    await harness.publish(Tallied, { n: -1 });
    await harness.waitForDeadLettered(Tallied);
    expect(harness.deadLetters('tally')).toEqual([
      expect.objectContaining({ type: 'clock.tallied.v1', payload: { n: -1 }, code: 'NEGATIVE', attempts: 1 }),
    ]);
  });

  it('lets a test replace a binding', async () => {
    const fake: Counter = { total: 100 };
    harness = await createTestHarness([tally], { configure: { tally: (c) => void c.rebind<Counter>(Counter).toConstantValue(fake) } });
    await harness.publish(Tallied, { n: 1 });
    await harness.waitForHandled(Tallied);
    expect(fake.total).toBe(101);
  });

  it('fails a wait that is never satisfied with what it saw', async () => {
    harness = await createTestHarness([tally]);
    await expect(harness.waitForHandled(Tallied, { timeoutMs: 20 })).rejects.toThrow('Waited 20 ms for 1 matching deliveries; saw 0');
  });
});
