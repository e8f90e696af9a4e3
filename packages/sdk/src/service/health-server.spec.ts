import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryBroker } from '../transport/in-memory-broker.js';
import { deferred, OrderLog, OrderPlaced, shop, started, warehouse } from '../testing/fixtures.js';
import type { Service } from './service.js';

const running: Service[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function probe(service: Service, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${service.healthPort}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('health endpoints', () => {
  it('answers /healthz and /readyz 200 once the service is ready', async () => {
    const service = await started(shop, new InMemoryBroker(), { HEALTH_PORT: '0' });
    running.push(service);
    expect(await probe(service, '/healthz')).toEqual({
      status: 200,
      body: { live: true, ready: true, state: 'ready', checks: { transport: true, consumers: true } },
    });
    expect((await probe(service, '/readyz')).status).toBe(200);
    expect((await probe(service, '/metrics')).status).toBe(404);
  });

  it('answers /readyz 503 while the service drains, and /healthz 200', async () => {
    const broker = new InMemoryBroker();
    const log = new OrderLog();
    const gate = deferred();
    log.gate = gate.promise;
    const wh = await started(warehouse(log), broker, { HEALTH_PORT: '0' });
    const producer = await started(shop, broker);
    running.push(producer);
    const handling = new Promise<void>((resolve) => (log.entered = resolve));
    await producer.bus.publish(OrderPlaced, { orderId: 'held', total: 1 });
    await handling;
    const stopping = wh.stop();
    expect(await probe(wh, '/readyz')).toMatchObject({ status: 503, body: { ready: false, state: 'draining' } });
    expect((await probe(wh, '/healthz')).status).toBe(200);
    gate.resolve();
    await stopping;
    expect(log.orders).toEqual(['held']);
  });
});
