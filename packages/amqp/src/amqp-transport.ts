import type { ChannelModel, Message } from 'amqplib';
import {
  WharfError,
  type ConsumeOptions,
  type Consumer,
  type Delivery,
  type QueueTopology,
  type SendOptions,
  type Transport,
  type TransportFactory,
  type TransportMessage,
  type TransportStatus,
} from '@wharf/sdk';
import { AmqpConsumer, type ConsumerRuntime } from './amqp-consumer.js';
import { ConnectionManager } from './connection-manager.js';
import { DIRECT_REPLY_TO, fromAmqp, routeOf, toOutbound } from './message-mapping.js';
import { Publisher } from './publisher.js';
import { TopologyDeclarer } from './topology-declarer.js';

/** Options of {@link AmqpTransport}; only `urls` and `service` are required. */
export interface AmqpTransportOptions {
  /** Broker URLs (`amqp://` or `amqps://`, the vhost as path), tried in turn: a cluster's nodes. */
  readonly urls: readonly string[];
  /** The service this transport serves: the broker shows it as the connection name. */
  readonly service: string;
  /** AMQP heartbeat, unless a URL sets `?heartbeat=`; 10 s by default. */
  readonly heartbeatSeconds?: number;
  /** How long `connect()` keeps trying every URL before it fails; 10 s by default. */
  readonly connectTimeoutMs?: number;
  /** Reconnect backoff: from `minDelayMs` (100), doubling, capped at `maxDelayMs` (5,000). */
  readonly reconnect?: { readonly minDelayMs?: number; readonly maxDelayMs?: number };
  /** How long `declare` and `consume` wait for a connection while reconnecting; 10 s by default. */
  readonly operationTimeoutMs?: number;
  /** How long a retry or dead-letter copy waits for its confirm before the original is requeued; 10 s. */
  readonly settleTimeoutMs?: number;
  /** How long `close()` waits for outstanding confirms; 5 s by default. */
  readonly closeTimeoutMs?: number;
}

/**
 * The RabbitMQ transport: publisher confirms and `mandatory` on every publish, durable service queues (quorum or
 * classic) bound to a topic exchange for events and a direct one for commands and queries, delayed retries
 * through per-tier delay queues, dead-letter queues, direct reply-to, and recovery from a lost connection.
 */
export class AmqpTransport implements Transport {
  readonly system = 'rabbitmq';
  readonly #manager: ConnectionManager;
  readonly #declarer = new TopologyDeclarer();
  readonly #publisher: Publisher;
  readonly #consumers = new Set<AmqpConsumer>();
  // Declarations in flight, by queue.
  readonly #declaring = new Map<string, Promise<void>>();
  readonly #lostConsumers = new Set<AmqpConsumer>();
  readonly #listeners = new Set<(status: TransportStatus, cause?: Error) => void>();
  readonly #runtime: ConsumerRuntime;
  readonly #operationTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  #phase: 'idle' | 'connecting' | 'running' | 'closed' = 'idle';
  #status: TransportStatus = 'idle';
  #connecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: AmqpTransportOptions) {
    const minDelayMs = options.reconnect?.minDelayMs ?? 100;
    const maxDelayMs = options.reconnect?.maxDelayMs ?? 5_000;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 10_000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.#publisher = new Publisher((model, cause) => this.#channelLost(model, cause));
    this.#manager = new ConnectionManager({
      urls: options.urls,
      service: options.service,
      heartbeatSeconds: options.heartbeatSeconds ?? 10,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      closeTimeoutMs: this.#closeTimeoutMs,
      minDelayMs,
      maxDelayMs,
      setup: (model) => this.#setup(model),
      onDown: (cause) => {
        this.#declarer.detach();
        this.#refreshStatus(cause);
      },
      onUp: () => {
        this.#lostConsumers.clear();
        this.#refreshStatus();
      },
    });
    this.#runtime = {
      publisher: this.#publisher,
      declarer: this.#declarer,
      settleTimeoutMs: options.settleTimeoutMs ?? 10_000,
      minDelayMs,
      maxDelayMs,
      onLost: (consumer, cause) => {
        this.#lostConsumers.add(consumer);
        this.#refreshStatus(cause);
      },
      onRestored: (consumer) => {
        this.#lostConsumers.delete(consumer);
        this.#refreshStatus();
      },
      onChannelLost: (model, cause) => this.#channelLost(model, cause),
      onCancelled: (consumer) => {
        this.#consumers.delete(consumer);
        this.#lostConsumers.delete(consumer);
        this.#refreshStatus();
      },
    };
  }

  get status(): TransportStatus {
    return this.#status;
  }

  connect(): Promise<void> {
    if (this.#phase === 'closed')
      return Promise.reject(new WharfError('INVALID_STATE', 'This transport was closed; make a new one'));
    if (this.#phase === 'running') return Promise.resolve();
    this.#connecting ??= (async () => {
      this.#phase = 'connecting';
      this.#refreshStatus();
      try {
        await this.#manager.start();
        if (this.#phase === 'connecting') this.#phase = 'running';
        this.#refreshStatus();
      } catch (error) {
        if (this.#phase === 'connecting') this.#phase = 'idle';
        this.#connecting = undefined;
        this.#refreshStatus();
        throw error;
      }
    })();
    return this.#connecting;
  }

  declare(topology: QueueTopology): Promise<void> {
    const declaring = this.#withConnection(`declare the queues of ${topology.service}`, () =>
      this.#declarer.declare(topology),
    );
    // A consume of the same queue started meanwhile waits for this declaration (see consume).
    this.#declaring.set(topology.queue, declaring);
    const forget = () => {
      if (this.#declaring.get(topology.queue) === declaring) this.#declaring.delete(topology.queue);
    };
    declaring.then(forget, forget);
    return declaring;
  }

  publish(message: TransportMessage, options: SendOptions): Promise<void> {
    if (message.kind === 'reply') return this.#send(message, () => this.#publisher.reply(toOutbound(message)));
    return this.#send(message, () => this.#publisher.publish(toOutbound(message), options.timeoutMs));
  }

  request(message: TransportMessage, options: SendOptions): Promise<TransportMessage> {
    const timedOut = () => {
      const dot = message.type.indexOf('.');
      const owner = dot >= 0 ? message.type.slice(0, dot) : message.type;
      return new WharfError('REQUEST_TIMEOUT', `No reply to ${message.type} from ${owner} within ${options.timeoutMs} ms`, {
        data: { type: message.type, destination: owner, timeoutMs: options.timeoutMs },
      });
    };
    return this.#send(message, () =>
      // A request without a correlation id of its own correlates by its id.
      this.#publisher.request(
        toOutbound(message, routeOf(message), { correlationId: message.id, replyTo: DIRECT_REPLY_TO }),
        options.timeoutMs,
        timedOut,
      ),
    ).then(toReply);
  }

  async consume(
    topology: QueueTopology,
    onDelivery: (delivery: Delivery) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<Consumer> {
    const consumer = new AmqpConsumer(topology, onDelivery, options.prefetch, this.#runtime);
    // Called while its queue is being declared, the consumer opens its channel and sets its prefetch meanwhile,
    // and starts consuming once the queue exists: two round trips fewer before a service is ready.
    const declared = this.#declaring.get(topology.queue);
    await this.#withConnection(`consume ${topology.queue}`, (model) => consumer.attach(model, declared));
    // Registered once attached: from now on every new connection re-attaches it.
    if (this.#isClosed()) consumer.stop();
    else this.#consumers.add(consumer);
    return consumer;
  }

  onStatus(listener: (status: TransportStatus, cause?: Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#phase = 'closed';
      await this.#publisher.close(this.#closeTimeoutMs);
      for (const consumer of this.#consumers) consumer.stop();
      this.#consumers.clear();
      // Closing the connection closes every channel; the broker requeues what was delivered and not settled.
      await this.#manager.close();
      this.#refreshStatus();
    })();
    return this.#closing;
  }

  /**
   * Declares while the publishing channel opens, then sends what waited and re-attaches the consumers: only then
   * is the connection up. Channels open concurrently; a publish never precedes the exchanges it needs.
   */
  async #setup(model: ChannelModel): Promise<void> {
    const declared = this.#declarer.attach(model);
    const opened = this.#publisher.attach(model);
    // Both settle before setup fails, so a failed connection leaves no half-attached channel behind.
    const [declaring, opening] = await Promise.allSettled([declared, opened]);
    if (declaring.status === 'rejected') throw declaring.reason;
    if (opening.status === 'rejected') throw opening.reason;
    this.#publisher.flush();
    await Promise.all([...this.#consumers].map((consumer) => consumer.attach(model)));
    if (!this.#publisher.attached) throw new Error('The publishing channel closed during setup');
  }

  // Publishing while the connection is down waits for it (inside the publisher) within the timeout.
  #send<T>(message: TransportMessage, send: () => Promise<T>): Promise<T> {
    if (this.#phase === 'idle') {
      return Promise.reject(
        new WharfError(
          'TRANSPORT_UNAVAILABLE',
          `${message.type} was not sent: the transport is not connected yet`,
        ),
      );
    }
    if (this.#phase === 'closed') {
      return Promise.reject(
        new WharfError('TRANSPORT_UNAVAILABLE', `${message.type} was not sent: the transport is closed`),
      );
    }
    try {
      return send();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #withConnection<T>(what: string, operation: (model: ChannelModel) => Promise<T>): Promise<T> {
    if (this.#phase === 'idle' || this.#phase === 'closed') {
      throw new WharfError(
        'TRANSPORT_UNAVAILABLE',
        `Cannot ${what}: the transport is ${this.#phase === 'idle' ? 'not connected yet' : 'closed'}`,
      );
    }
    const deadline = Date.now() + this.#operationTimeoutMs;
    for (;;) {
      const model = await this.#manager.whenUp(deadline);
      if (!model) {
        throw new WharfError(
          'TRANSPORT_UNAVAILABLE',
          `Cannot ${what}: no connection to RabbitMQ within ${this.#operationTimeoutMs} ms`,
        );
      }
      try {
        return await operation(model);
      } catch (error) {
        // Lost the connection meanwhile: try again on the next one; anything else is the caller's to hear.
        if (this.#manager.model === model || this.#isClosed() || Date.now() >= deadline) throw error;
      }
    }
  }

  #isClosed(): boolean {
    return this.#phase === 'closed';
  }

  // A channel closed while its connection stayed up (a deleted exchange, a refused ack): rebuild everything on a
  // new connection rather than patch one channel. Deferred, because a closing connection closes its channels
  // before it reports its own close.
  #channelLost(model: ChannelModel, cause: Error): void {
    setImmediate(() => {
      if (this.#phase !== 'closed') this.#manager.recover(model, cause);
    });
  }

  #refreshStatus(cause?: Error): void {
    const next: TransportStatus =
      this.#phase === 'closed'
        ? 'closed'
        : this.#phase === 'idle'
          ? 'idle'
          : this.#phase === 'connecting'
            ? 'connecting'
            : this.#manager.model && this.#lostConsumers.size === 0
              ? 'connected'
              : 'reconnecting';
    if (next === this.#status) return;
    this.#status = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next, cause);
      } catch {
        // A listener's failure is its own; the others still hear of the change.
      }
    }
  }
}

/** Serves `amqp://` and `amqps://` URLs with an {@link AmqpTransport}. */
export const amqpTransport: TransportFactory = {
  schemes: ['amqp', 'amqps'],
  create: (urls, { service }) => new AmqpTransport({ urls, service }),
};

// A reply as the SDK sees it: its kind is a reply whatever its headers say.
function toReply(reply: Message): TransportMessage {
  return fromAmqp(reply, 'reply');
}
