import {
  ContainerModule,
  createService,
  defineService,
  InMemoryBroker,
  InMemoryTransport,
  inject,
  injectable,
  on,
  type EventHandler,
  type Payload,
} from '@wharf/sdk';
import { ENV } from '../protocol.js';
import { SamplePosted } from './contracts.js';
import { samplePayload, windowed } from './load.js';
import { envInt, report } from './worker-io.js';

const Counter = Symbol.for('@wharf/bench/Counter');

/** Counts handled events. */
@injectable()
class CountSample implements EventHandler<typeof SamplePosted> {
  constructor(@inject(Counter) private readonly counter: { handled: number }) {}

  async handle(_payload: Payload<typeof SamplePosted>): Promise<void> {
    this.counter.handled += 1;
  }
}

/**
 * The cost of the SDK itself: a producer and a consumer service on one `InMemoryBroker`, `BENCH_COUNT` events
 * published with `BENCH_WINDOW` unsettled at most, validated on both sides; reports when the last one is settled.
 */
export async function runInMemory(): Promise<void> {
  const count = envInt(ENV.count);
  const broker = new InMemoryBroker();
  const counter = { handled: 0 };
  const consumer = createService(
    defineService({
      name: 'bench-memory',
      modules: [new ContainerModule(({ bind }) => void bind(Counter).toConstantValue(counter))],
      handlers: [on(SamplePosted, CountSample)],
    }),
    { transport: new InMemoryTransport(broker) },
  );
  const producer = createService(defineService({ name: 'bench' }), {
    transport: new InMemoryTransport(broker),
  });
  await consumer.start();
  await producer.start();
  let settled = 0;
  const allSettled = new Promise<number>((resolve) => {
    consumer.onDispatch(() => {
      settled += 1;
      if (settled === count) resolve(performance.now());
    });
  });
  const started = performance.now();
  await windowed(count, envInt(ENV.window), (index) =>
    producer.bus.publish(SamplePosted, samplePayload(index)),
  );
  const finished = await allSettled;
  if (counter.handled !== count) throw new Error(`Handled ${counter.handled} of ${count} events`);
  report({ type: 'memory', stats: { count, elapsedMs: finished - started } });
  await producer.stop();
  await consumer.stop();
}
