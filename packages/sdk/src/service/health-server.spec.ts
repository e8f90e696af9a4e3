import { ContainerModule } from 'inversify';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryBroker } from '../transport/in-memory-broker.js';
import { InMemoryTransport } from '../transport/in-memory-transport.js';
import { deferred, OrderLog, OrderPlaced, shop, started, warehouse } from '../testing/fixtures.js';
import { defineService } from './define-service.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import { createService, type Service } from './service.js';

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

  it('answers /healthz 200 and /readyz 503 while the service starts, then /readyz 200', async () => {
    const gate = deferred();
    const entered = deferred();
    const SlowStart = Symbol.for('test/SlowStart');
    const hooks: LifecycleHooks = { onStart: () => (entered.resolve(), gate.promise) };
    const definition = defineService({
      name: 'slow',
      modules: [new ContainerModule(({ bind }) => void bind(SlowStart).toConstantValue(hooks))],
      hooks: [SlowStart],
    });
    const service = createService(definition, {
      transport: new InMemoryTransport(new InMemoryBroker()),
      env: { LOG_LEVEL: 'silent', HEALTH_PORT: '0' },
    });
    running.push(service);
    const starting = service.start();
    await entered.promise;
    expect(await probe(service, '/healthz')).toMatchObject({ status: 200, body: { live: true, ready: false, state: 'starting' } });
    expect((await probe(service, '/readyz')).status).toBe(503);
    gate.resolve();
    await starting;
    expect((await probe(service, '/readyz')).status).toBe(200);
  });

  it('fails the start, without connecting, when the health port is taken', async () => {
    const first = await started(shop, new InMemoryBroker(), { HEALTH_PORT: '0' });
    running.push(first);
    const transport = new InMemoryTransport(new InMemoryBroker());
    const statuses: string[] = [];
    transport.onStatus((status) => statuses.push(status));
    const second = createService(shop, { transport, env: { LOG_LEVEL: 'silent', HEALTH_PORT: String(first.healthPort) } });
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    expect(statuses).not.toContain('connected');
    expect(second.health()).toMatchObject({ live: false, state: 'failed' });
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
