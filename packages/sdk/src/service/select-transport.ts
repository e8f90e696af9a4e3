import { WharfError } from '../errors/wharf-error.js';
import { inMemoryTransport } from '../transport/in-memory-transport.js';
import type { Transport, TransportFactory } from '../transport/transport.js';

/** Picks the factory that serves the URLs' scheme and makes the transport. */
export function selectTransport(urls: readonly string[], service: string, factories: readonly TransportFactory[]): Transport {
  const scheme = (urls[0] ?? '').split(':')[0]?.toLowerCase() ?? '';
  const factory = [...factories, inMemoryTransport].find((f) => f.schemes.includes(scheme));
  if (!factory) {
    const known = [...factories, inMemoryTransport].flatMap((f) => f.schemes).join(', ');
    throw new WharfError(
      'CONFIG_INVALID',
      `AMQP_URL uses "${scheme}:", which no transport serves here (known: ${known}); pass a factory such as amqpTransport to runService`,
      { retryable: false, data: { variable: 'AMQP_URL' } },
    );
  }
  return factory.create(urls, { service });
}
