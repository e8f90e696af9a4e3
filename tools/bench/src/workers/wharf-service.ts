import { amqpTransport } from '@wharf/amqp';
import {
  answer,
  ContainerModule,
  defineService,
  inject,
  injectable,
  on,
  runService,
  type EventHandler,
  type HandlerRegistration,
  type MessageContext,
  type Payload,
  type QueryHandler,
  type Response,
} from '@wharf/sdk';
import { ENV } from '../protocol.js';
import { echoQuery, SamplePosted } from './contracts.js';
import { ConsumeMeter } from './load.js';
import { answerUsageRequests, envInt, envText, fail, reportConsumed, reportReady, type WorkerOptions } from './worker-io.js';

const Meter = Symbol.for('@wharf/bench/Meter');
type EchoQuery = ReturnType<typeof echoQuery>;

/** The one event handler of the consumer: notes the delivery (the ack is counted once the SDK settles it). */
@injectable()
class RecordSample implements EventHandler<typeof SamplePosted> {
  constructor(@inject(Meter) private readonly meter: ConsumeMeter) {}

  async handle(_payload: Payload<typeof SamplePosted>): Promise<void> {
    this.meter.received();
  }
}

/** The responder's query handler: echoes the request. */
@injectable()
class Echo implements QueryHandler<EchoQuery> {
  async handle(request: Payload<EchoQuery>, ctx: MessageContext): Promise<Response<EchoQuery>> {
    return { seq: request.seq, text: request.text, answeredBy: ctx.service.name };
  }
}

/**
 * A Wharf service started by `runService` on the AMQP transport, as an app's main.ts does: role `consumer` handles
 * the benchmark event and reports after `BENCH_COUNT` acks; role `responder` answers the echo query.
 */
export async function runWharfService(options: WorkerOptions = {}): Promise<void> {
  const loadedMs = performance.now();
  const role = envText(ENV.role);
  const name = envText(ENV.service);
  const meter = new ConsumeMeter(envInt(ENV.count, 0), (stats) => reportConsumed(stats, options.spans));
  const handlers: HandlerRegistration[] =
    role === 'responder'
      ? [answer(echoQuery(name), Echo)]
      : role === 'consumer'
        ? [on(SamplePosted, RecordSample)]
        : [];
  if (handlers.length === 0) fail(new Error(`Unknown role ${role}`));
  const definition = defineService({
    name,
    modules: [new ContainerModule(({ bind }) => void bind(Meter).toConstantValue(meter))],
    handlers,
  });
  const service = await runService(definition, { transports: [amqpTransport] });
  // runService has logged the reason and is exiting.
  if (service.state !== 'ready') return;
  service.onDispatch((event) => {
    if (event.outcome === 'handled') meter.acked();
    else fail(new Error(`A delivery was ${event.outcome}: ${event.error?.message ?? 'no error'}`));
  });
  // runService returns the service once it consumes: the runner publishes only after `ready`, so none came yet.
  if (meter.receivedCount > 0)
    fail(new Error('Deliveries arrived before the ack counter was attached; publish after ready'));
  answerUsageRequests();
  reportReady(loadedMs);
}
