// Contracts and services shared by the SDK's own specs (not part of the public API).
import * as z from 'zod';
import { defineCommand, defineEvent, defineQuery } from '../contracts/contract.js';
import { WharfError } from '../errors/wharf-error.js';
import { on, answer } from '../handlers/handler.js';
import type { MessageContext } from '../handlers/message-context.js';
import { InMemoryBroker } from '../transport/in-memory-broker.js';
import { InMemoryTransport } from '../transport/in-memory-transport.js';
import { defineService, type ServiceDefinition } from '../service/define-service.js';
import { createService, type Service } from '../service/service.js';
import type { DispatchEvent } from '../handlers/dispatcher.js';

export const OrderPlaced = defineEvent({
  name: 'shop.order-placed',
  version: 1,
  schema: z.object({ orderId: z.string().min(1), total: z.number().nonnegative() }),
});

export const ShipOrder = defineCommand({
  name: 'warehouse.ship-order',
  version: 1,
  schema: z.object({ orderId: z.string().min(1) }),
});

export const CountOrders = defineQuery({
  name: 'warehouse.count-orders',
  version: 1,
  request: z.object({ prefix: z.string() }),
  response: z.object({ count: z.number().int() }),
});

/** A deferred promise, to hold a handler until a test releases it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves with the first dispatch event matching `predicate`, or rejects after `timeoutMs`. */
export function nextDispatch(service: Service, predicate: (e: DispatchEvent) => boolean, timeoutMs = 5_000): Promise<DispatchEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching dispatch event within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = service.onDispatch((event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

/** Collects the orders a warehouse instance handled; a handler that fails as the test says. */
export class OrderLog {
  readonly orders: string[] = [];
  failuresLeft = new Map<string, number>();
  gate: Promise<void> | undefined;
  /** Called when a handler starts, before it waits on the gate. */
  entered: (() => void) | undefined;
}

export function warehouse(log: OrderLog, extra: Partial<ServiceDefinition> = {}): ServiceDefinition {
  class RecordOrder {
    async handle(order: { orderId: string }, ctx: MessageContext): Promise<void> {
      log.entered?.();
      if (log.gate) await log.gate;
      const left = log.failuresLeft.get(order.orderId) ?? 0;
      if (left === Infinity) throw new Error(`order ${order.orderId} always fails`);
      if (left > 0) {
        log.failuresLeft.set(order.orderId, left - 1);
        throw new Error(`order ${order.orderId} failed at attempt ${ctx.attempt}`);
      }
      if (order.orderId.startsWith('fatal')) throw new WharfError('BAD_ORDER', 'cannot ever ship', { retryable: false });
      log.orders.push(order.orderId);
    }
  }
  class Count {
    handle(request: { prefix: string }): { count: number } {
      if (request.prefix === 'boom') throw new WharfError('COUNT_FAILED', 'cannot count boom', { retryable: false });
      return { count: log.orders.filter((o) => o.startsWith(request.prefix)).length };
    }
  }
  return defineService({
    name: 'warehouse',
    handlers: [on(OrderPlaced, RecordOrder), on(ShipOrder, RecordOrder, { name: 'ShipOrder' }), answer(CountOrders, Count)],
    retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, jitter: 0 },
    ...extra,
  });
}

/** A running service on a shared in-memory broker, quiet in logs. */
export async function started(definition: ServiceDefinition, broker: InMemoryBroker, env: Record<string, string> = {}): Promise<Service> {
  const service = createService(definition, { transport: new InMemoryTransport(broker), env: { LOG_LEVEL: 'silent', ...env } });
  await service.start();
  return service;
}

export const shop = defineService({ name: 'shop' });
