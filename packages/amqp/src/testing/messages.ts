import { randomUUID } from 'node:crypto';
import { deadLetterQueue, type QueueTopology, type TransportMessage } from '@wharf/sdk';

/** A transport message with sensible defaults: an event of `test.happened.v1` with a small JSON body. */
export function aMessage(overrides: Partial<TransportMessage> = {}): TransportMessage {
  return {
    id: randomUUID(),
    kind: 'event',
    type: 'test.happened.v1',
    body: Buffer.from(JSON.stringify({ at: Date.now() })),
    headers: {},
    appId: 'test',
    timestamp: Date.now(),
    ...overrides,
  };
}

/** The topology of a service `service` with its own queue and dead-letter queue. */
export function aTopology(service: string, overrides: Partial<QueueTopology> = {}): QueueTopology {
  return {
    service,
    queue: service,
    deadLetterQueue: deadLetterQueue(service),
    queueType: 'quorum',
    events: [],
    commands: [],
    ...overrides,
  };
}
