import { randomUUID } from 'node:crypto';
import { WharfError } from '../errors/wharf-error.js';
import { InMemoryBroker, type MemoryConsumer } from './in-memory-broker.js';
import type {
  ConsumeOptions,
  Consumer,
  Delivery,
  QueueTopology,
  SendOptions,
  Transport,
  TransportFactory,
  TransportMessage,
  TransportStatus,
} from './transport.js';

/**
 * A transport inside one process, with the semantics of `AmqpTransport`: durable queues per service, competing
 * consumers with prefetch, confirms, UNROUTABLE, delayed retries, dead-letter queues and request/reply.
 * Services that share an {@link InMemoryBroker} talk to each other; for tests and zero-setup runs.
 */
export class InMemoryTransport implements Transport {
  readonly system = 'wharf-memory';
  readonly broker: InMemoryBroker;
  #status: TransportStatus = 'idle';
  readonly #listeners = new Set<(status: TransportStatus, cause?: Error) => void>();
  readonly #consumers = new Set<{ queue: string; consumer: MemoryConsumer }>();

  constructor(broker: InMemoryBroker = new InMemoryBroker()) {
    this.broker = broker;
  }

  get status(): TransportStatus {
    return this.#status;
  }

  async connect(): Promise<void> {
    if (this.#status === 'closed') throw new WharfError('INVALID_STATE', 'This transport was closed; make a new one');
    this.#setStatus('connected');
  }

  async declare(topology: QueueTopology): Promise<void> {
    this.#expectConnected();
    this.broker.declare(topology);
  }

  async publish(message: TransportMessage, _options: SendOptions): Promise<void> {
    this.#expectConnected();
    this.broker.publish(copyOf(message));
  }

  request(message: TransportMessage, options: SendOptions): Promise<TransportMessage> {
    this.#expectConnected();
    const replyTo = `memory.reply.${randomUUID()}`;
    const correlationId = message.correlationId ?? message.id;
    return new Promise<TransportMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        const owner = message.type.slice(0, message.type.indexOf('.'));
        reject(
          new WharfError('REQUEST_TIMEOUT', `No reply to ${message.type} from ${owner} within ${options.timeoutMs} ms`, {
            data: { type: message.type, destination: owner, timeoutMs: options.timeoutMs },
          }),
        );
      }, options.timeoutMs);
      const stop = this.broker.listenForReplies(replyTo, (reply) => {
        if (reply.correlationId !== correlationId) return;
        clearTimeout(timer);
        stop();
        resolve(reply);
      });
      try {
        this.broker.publish(copyOf({ ...message, correlationId, replyTo }));
      } catch (error) {
        clearTimeout(timer);
        stop();
        reject(error);
      }
    });
  }

  async consume(
    topology: QueueTopology,
    onDelivery: (delivery: Delivery) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<Consumer> {
    this.#expectConnected();
    const consumer: MemoryConsumer = {
      prefetch: options.prefetch,
      unsettled: 0,
      owner: this,
      deliver: (delivery) => void onDelivery(delivery).catch(() => undefined),
    };
    const entry = { queue: topology.queue, consumer };
    this.#consumers.add(entry);
    this.broker.attach(topology.queue, consumer);
    return {
      cancel: async () => {
        this.#consumers.delete(entry);
        this.broker.detach(topology.queue, consumer);
      },
    };
  }

  onStatus(listener: (status: TransportStatus, cause?: Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    for (const { queue, consumer } of this.#consumers) this.broker.detach(queue, consumer);
    this.#consumers.clear();
    this.broker.releaseAll(this);
    this.#setStatus('closed');
  }

  #expectConnected(): void {
    if (this.#status !== 'connected') {
      throw new WharfError('TRANSPORT_UNAVAILABLE', `The in-memory transport is ${this.#status}, not connected`);
    }
  }

  #setStatus(status: TransportStatus): void {
    this.#status = status;
    for (const listener of this.#listeners) listener(status);
  }
}

// A copy per hop, so that no service can change a message another one holds (as over a real wire).
function copyOf(message: TransportMessage): TransportMessage {
  return { ...message, body: Buffer.from(message.body), headers: { ...message.headers } };
}

/** Serves `memory://` URLs: every such transport of the process shares {@link InMemoryBroker.shared}. */
export const inMemoryTransport: TransportFactory = {
  schemes: ['memory'],
  create: () => new InMemoryTransport(InMemoryBroker.shared),
};
