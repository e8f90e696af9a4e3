import {
  createService,
  injectable,
  type MessageContext,
  type Service,
  type ServiceDefinition,
  type ServiceSettings,
} from '@wharf/sdk';
import { afterEach } from 'vitest';
import { AmqpTransport } from '../amqp-transport.js';

/** Creates and starts `definition` on an AmqpTransport to `url`, with silent logs. */
export async function startService(
  definition: ServiceDefinition,
  url: string,
  settings: Partial<ServiceSettings> = {},
): Promise<Service> {
  const service = createService(definition, {
    transport: new AmqpTransport({ urls: [url], service: definition.name }),
    env: {},
    settings: { logLevel: 'silent', ...settings },
  });
  await service.start();
  return service;
}

/**
 * `startService` for a test file whose services are all stopped after each test (a vitest hook: call it at the
 * top of the file).
 */
export function useServices(): typeof startService {
  const running: Service[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((service) => service.stop()));
  });
  return async (...args) => {
    const service = await startService(...args);
    running.push(service);
    return service;
  };
}

/** A handler class that calls `handle`, for tests that keep their state in closures. */
export function handlerOf<P, R>(handle: (payload: P, ctx: MessageContext) => R) {
  @injectable()
  class TestHandler {
    readonly handle = handle;
  }
  return TestHandler;
}
