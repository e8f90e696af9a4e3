/** What a message is, on the wire: decides how a transport routes it. */
export type MessageKind = 'event' | 'command' | 'query' | 'reply';

/** A message as a transport carries it; the SDK has already serialized and validated the payload. */
export interface TransportMessage {
  /** Unique, time-ordered id (AMQP `messageId`). */
  readonly id: string;
  readonly kind: MessageKind;
  /** `<contract name>.v<version>`: the routing key and the AMQP `type` property. */
  readonly type: string;
  /** UTF-8 JSON of the payload. */
  readonly body: Buffer;
  /** `traceparent`, `tracestate` and `x-wharf-*` headers; string values only. */
  readonly headers: Readonly<Record<string, string>>;
  /** The producing service (AMQP `appId`). */
  readonly appId: string;
  /** Milliseconds since the epoch when the message was produced. */
  readonly timestamp: number;
  readonly correlationId?: string;
  /** For a reply: the requester's reply address, as the request delivery carried it. */
  readonly replyTo?: string;
}

/** The queue of one service and what is routed to it. Names are chosen by the SDK (see naming.ts). */
export interface QueueTopology {
  readonly service: string;
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly queueType: 'quorum' | 'classic';
  /** Event types bound to the queue from the events exchange. */
  readonly events: readonly string[];
  /** Command and query types routed to the queue. */
  readonly commands: readonly string[];
}

/**
 * The resolved promise a transport returns from {@link Delivery} settle methods when the settle is already done
 * (an AMQP ack is written at once): the dispatcher then goes on without waiting a tick for it.
 */
export const SETTLED: Promise<void> = Promise.resolve();

/** One message handed to a consumer. The SDK settles it exactly once through one of these methods. */
export interface Delivery {
  readonly message: TransportMessage;
  /** True when the broker has delivered this message before (after a crash or a lost connection). */
  readonly redelivered: boolean;
  /** Done: remove the message from the queue. */
  ack(): Promise<void>;
  /** Put the message back on the queue as it is, for another consumer (used while draining). */
  release(): Promise<void>;
  /** Redeliver the message to this queue after `delayMs`, with `headers` replacing its headers. */
  retry(delayMs: number, headers: Readonly<Record<string, string>>): Promise<void>;
  /** Move the message to the service's dead-letter queue with `headers` (the reason) replacing its headers. */
  deadLetter(headers: Readonly<Record<string, string>>): Promise<void>;
}

/** A running consumer; `cancel` stops new deliveries (those already handed over still get settled). */
export interface Consumer {
  cancel(): Promise<void>;
}

/** Connection state as a transport reports it. */
export type TransportStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Options of `Transport.publish` and `Transport.request`. */
export interface SendOptions {
  /** How long to wait for the broker's confirm (or the reply) before failing. */
  readonly timeoutMs: number;
}

/** Options of `Transport.consume`. */
export interface ConsumeOptions {
  /** Most deliveries handed over and not yet settled at once. */
  readonly prefetch: number;
}

/**
 * The wire under a service: connect, declare, publish, consume, request. The SDK owns naming, serialization,
 * validation, retries and tracing; a transport owns only the wire. `InMemoryTransport` and `AmqpTransport`
 * implement it with the same semantics.
 */
export interface Transport {
  /** `messaging.system` of spans and metrics, e.g. `rabbitmq`. */
  readonly system?: string;
  readonly status: TransportStatus;
  connect(): Promise<void>;
  /** Declares a service's queue, dead-letter queue and routes. Re-declared after every reconnect. */
  declare(topology: QueueTopology): Promise<void>;
  /**
   * Routes a message by kind: events by type to every bound queue, commands and queries to the owning
   * service's queue, replies to `replyTo`. Resolves once the broker has confirmed it (a reply, which is
   * transient and best-effort, once it is sent); rejects with UNROUTABLE when no queue takes it, PUBLISH_TIMEOUT
   * or TRANSPORT_UNAVAILABLE otherwise.
   */
  publish(message: TransportMessage, options: SendOptions): Promise<void>;
  /** Publishes a query and resolves with the reply; rejects with REQUEST_TIMEOUT naming type and destination. */
  request(message: TransportMessage, options: SendOptions): Promise<TransportMessage>;
  /**
   * Starts delivering the queue's messages to `onDelivery`, re-attaching after every reconnect. May be called while
   * the `declare` of the same topology is in flight: delivering starts once that declaration has succeeded, and
   * `consume` rejects with its error if it fails.
   */
  consume(
    topology: QueueTopology,
    onDelivery: (delivery: Delivery) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<Consumer>;
  /** Calls `listener` on every status change (with the cause of a lost connection); returns a remover. */
  onStatus(listener: (status: TransportStatus, cause?: Error) => void): () => void;
  /** Waits for outstanding confirms, then closes. */
  close(): Promise<void>;
}

/** Makes a transport from connection URLs; `runService` picks the factory whose scheme matches the URL. */
export interface TransportFactory {
  /** URL schemes served, without the colon: `['amqp', 'amqps']`. */
  readonly schemes: readonly string[];
  /** `urls` are tried in turn (a cluster); `service` names the connection for the broker's operators. */
  create(urls: readonly string[], options: { readonly service: string }): Transport;
}
