import { WharfError } from '../errors/wharf-error.js';
import { Fifo } from './fifo.js';
import { SETTLED, type Delivery, type QueueTopology, type TransportMessage } from './transport.js';

/** A consumer attached to an in-memory queue. */
export interface MemoryConsumer {
  readonly prefetch: number;
  unsettled: number;
  readonly deliver: (delivery: Delivery) => void;
  /** The connection it belongs to: closing it puts its unsettled messages back. */
  readonly owner: object;
}

interface Entry {
  message: TransportMessage;
  redelivered: boolean;
}

interface MemoryQueue {
  readonly name: string;
  readonly entries: Fifo<Entry>;
  deadLetterQueue: string;
  consumers: MemoryConsumer[];
  next: number;
  scheduled: boolean;
}

/** Something every published message passes through; for tests that assert on what was sent. */
export type PublishListener = (message: TransportMessage, queues: readonly string[]) => void;

/**
 * The broker behind `InMemoryTransport`: durable named queues, event bindings, command routes, competing
 * consumers with prefetch, delayed retries and dead-letter queues, all inside one process. Services that share
 * a broker talk to each other as they would over RabbitMQ.
 */
export class InMemoryBroker {
  /** The broker of this process, used by `memory://` transports. */
  static readonly shared = new InMemoryBroker();

  readonly #queues = new Map<string, MemoryQueue>();
  readonly #events = new Map<string, Set<string>>();
  readonly #commands = new Map<string, string>();
  readonly #replies = new Map<string, (message: TransportMessage) => void>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #unsettled = new Map<object, Set<() => void>>();
  readonly #listeners = new Set<PublishListener>();

  /** Declares a service's queues and routes; a command type routed to two services is refused. */
  declare(topology: QueueTopology): void {
    this.#queue(topology.queue).deadLetterQueue = topology.deadLetterQueue;
    this.#queue(topology.deadLetterQueue);
    for (const type of topology.events) {
      const bound = this.#events.get(type) ?? new Set<string>();
      bound.add(topology.queue);
      this.#events.set(type, bound);
    }
    for (const type of topology.commands) {
      const owner = this.#commands.get(type);
      if (owner !== undefined && owner !== topology.queue) {
        throw new WharfError('INVALID_STATE', `${type} is already routed to ${owner}; only one service may handle it`);
      }
      this.#commands.set(type, topology.queue);
    }
  }

  /** Routes a message to the queues that take it; UNROUTABLE when there are none. */
  publish(message: TransportMessage): void {
    if (message.kind === 'reply') {
      // Like direct reply-to: a reply whose requester is gone is dropped, not an error of the responder.
      const replyTo = message.replyTo ?? '';
      for (const listener of this.#listeners) listener(message, [replyTo]);
      this.#replies.get(replyTo)?.(message);
      return;
    }
    const queues = this.#route(message);
    for (const listener of this.#listeners) listener(message, queues);
    if (queues.length === 0) {
      const where = message.kind === 'event' ? 'no queue is bound to it' : 'no service handles it';
      throw new WharfError('UNROUTABLE', `${message.type} was not routed: ${where}`, {
        retryable: false,
        data: { type: message.type },
      });
    }
    for (const name of queues) this.enqueue(name, message, false);
  }

  /** Puts a message at the end of a queue (or at its head, for a released message). */
  enqueue(name: string, message: TransportMessage, redelivered: boolean, atHead = false): void {
    const queue = this.#queue(name);
    if (atHead) queue.entries.unshift({ message, redelivered });
    else queue.entries.push({ message, redelivered });
    this.#schedule(queue);
  }

  /** Puts a message on a queue after a delay. */
  enqueueLater(name: string, message: TransportMessage, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.enqueue(name, message, false);
    }, delayMs);
    this.#timers.add(timer);
  }

  /** Attaches a consumer to a queue. */
  attach(name: string, consumer: MemoryConsumer): void {
    const queue = this.#queue(name);
    queue.consumers.push(consumer);
    this.#schedule(queue);
  }

  /** Detaches a consumer; what it holds unsettled stays with it until settled. */
  detach(name: string, consumer: MemoryConsumer): void {
    const queue = this.#queue(name);
    queue.consumers = queue.consumers.filter((c) => c !== consumer);
  }

  /** Registers a reply address for a request; returns a function that removes it. */
  listenForReplies(replyTo: string, onReply: (message: TransportMessage) => void): () => void {
    this.#replies.set(replyTo, onReply);
    return () => this.#replies.delete(replyTo);
  }

  /** The messages waiting in a queue, oldest first (a dead-letter queue, in tests). */
  peek(name: string): TransportMessage[] {
    return this.#queues.get(name)?.entries.toArray().map((entry) => entry.message) ?? [];
  }

  /** Calls `listener` with every message published; returns a function that removes it. */
  onPublish(listener: PublishListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tracks an unsettled delivery of a connection, so closing the connection returns it to its queue. */
  holdUnsettled(owner: object, requeue: () => void): () => void {
    const held = this.#unsettled.get(owner) ?? new Set<() => void>();
    held.add(requeue);
    this.#unsettled.set(owner, held);
    return () => held.delete(requeue);
  }

  /** Like a closed AMQP channel: every delivery the connection has not settled goes back to its queue. */
  releaseAll(owner: object): void {
    const held = this.#unsettled.get(owner);
    this.#unsettled.delete(owner);
    for (const requeue of held ?? []) requeue();
  }

  /** Cancels pending delayed retries (their messages are lost, as when a broker's data is wiped). */
  reset(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#queues.clear();
    this.#events.clear();
    this.#commands.clear();
    this.#replies.clear();
    this.#unsettled.clear();
  }

  #route(message: TransportMessage): string[] {
    switch (message.kind) {
      case 'event':
        return [...(this.#events.get(message.type) ?? [])];
      default: {
        const queue = this.#commands.get(message.type);
        return queue === undefined ? [] : [queue];
      }
    }
  }

  #queue(name: string): MemoryQueue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = { name, entries: new Fifo<Entry>(), deadLetterQueue: `${name}.dlq`, consumers: [], next: 0, scheduled: false };
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #schedule(queue: MemoryQueue): void {
    if (queue.scheduled) return;
    queue.scheduled = true;
    // Deliver asynchronously, as a network would, and in batches rather than recursively.
    setImmediate(() => {
      queue.scheduled = false;
      this.#dispatch(queue);
    });
  }

  #dispatch(queue: MemoryQueue): void {
    while (queue.entries.length > 0) {
      const consumer = this.#nextConsumer(queue);
      if (!consumer) return;
      const entry = queue.entries.shift() as Entry;
      consumer.unsettled += 1;
      consumer.deliver(this.#delivery(queue, consumer, entry));
    }
  }

  #nextConsumer(queue: MemoryQueue): MemoryConsumer | undefined {
    const count = queue.consumers.length;
    for (let i = 0; i < count; i += 1) {
      const consumer = queue.consumers[(queue.next + i) % count] as MemoryConsumer;
      if (consumer.unsettled < consumer.prefetch) {
        queue.next = (queue.next + i + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  #delivery(queue: MemoryQueue, consumer: MemoryConsumer, entry: Entry): Delivery {
    let settled = false;
    const settle = (action: () => void): Promise<void> => {
      if (settled) return SETTLED;
      settled = true;
      forget();
      consumer.unsettled -= 1;
      action();
      this.#schedule(queue);
      return SETTLED;
    };
    const forget = this.holdUnsettled(consumer.owner, () => {
      void settle(() => this.enqueue(queue.name, entry.message, true, true));
    });
    const copy = (headers: Readonly<Record<string, string>>): TransportMessage => ({ ...entry.message, headers: { ...headers } });
    return {
      message: entry.message,
      redelivered: entry.redelivered,
      ack: () => settle(() => undefined),
      release: () => settle(() => this.enqueue(queue.name, entry.message, true, true)),
      retry: (delayMs, headers) => settle(() => this.enqueueLater(queue.name, copy(headers), delayMs)),
      deadLetter: (headers) => settle(() => this.enqueue(queue.deadLetterQueue, copy(headers), false)),
    };
  }
}
