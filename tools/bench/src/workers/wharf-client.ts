import { amqpTransport } from '@wharf/amqp';
import { createService, defineService } from '@wharf/sdk';
import { ENV } from '../protocol.js';
import { echoQuery, SamplePosted } from './contracts.js';
import { echoRequest, produce, requestLoad, samplePayload } from './load.js';
import {
  answerUsageRequests,
  envInt,
  envText,
  fail,
  onTerminate,
  report,
  reportProduced,
  reportReady,
  requestShape,
  whenGo,
  type WorkerOptions,
} from './worker-io.js';

/**
 * A Wharf service without handlers that, on the runner's `go`, publishes the benchmark events through `bus.publish`
 * (role `producer`) or asks the echo query through `bus.request` (role `requester`).
 */
export async function runWharfClient(options: WorkerOptions = {}): Promise<void> {
  const loadedMs = performance.now();
  const role = envText(ENV.role);
  const client = createService(defineService({ name: 'bench-client' }), { transports: [amqpTransport] });
  await client.start();
  onTerminate(() => client.stop());
  answerUsageRequests();
  reportReady(loadedMs);
  await whenGo();
  if (role === 'producer') {
    const stats = await produce(envInt(ENV.count), envInt(ENV.window), (index) =>
      client.bus.publish(SamplePosted, samplePayload(index)),
    );
    await reportProduced(stats, options.spans);
  } else if (role === 'requester') {
    const query = echoQuery(envText(ENV.service));
    const stats = await requestLoad(requestShape(), (index) => client.bus.request(query, echoRequest(index)));
    report({ type: 'requested', stats });
  } else {
    fail(new Error(`Unknown role ${role}`));
  }
}
