import {
  createService,
  injectable,
  type MessageContext,
  type Service,
  type ServiceDefinition,
  type ServiceSettings,
} from '@wharf/sdk';
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

/** A handler class that calls `handle`, for tests that keep their state in closures. */
export function handlerOf<P, R>(handle: (payload: P, ctx: MessageContext) => R) {
  @injectable()
  class TestHandler {
    readonly handle = handle;
  }
  return TestHandler;
}
