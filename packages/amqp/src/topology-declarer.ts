import type { Channel, ChannelModel } from 'amqplib';
import { COMMANDS_EXCHANGE, EVENTS_EXCHANGE, WharfError, type QueueTopology } from '@wharf/sdk';

/**
 * Declares exchanges, service queues, dead-letter and retry queues on its own channel, so that a refused
 * declaration (RabbitMQ closes the channel on a PRECONDITION_FAILED) never takes publishing or consuming down.
 * Remembers every topology declared, to declare it again on each new connection.
 */
export class TopologyDeclarer {
  readonly #topologies = new Map<string, QueueTopology>();
  // Retry queues declared on the current connection; declared lazily, on the first retry that needs one.
  readonly #retryQueues = new Set<string>();
  #model: ChannelModel | undefined;
  #channel: Promise<Channel> | undefined;

  /** Takes a new connection: declares the exchanges and every topology remembered so far. */
  async attach(model: ChannelModel): Promise<void> {
    this.#model = model;
    this.#channel = undefined;
    this.#retryQueues.clear();
    const channel = await this.#open();
    await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
    await channel.assertExchange(COMMANDS_EXCHANGE, 'direct', { durable: true });
    for (const topology of this.#topologies.values()) await declareOn(channel, topology);
  }

  /** Declares a service's queues and bindings now, and again after every reconnect. Idempotent. */
  async declare(topology: QueueTopology): Promise<void> {
    try {
      await declareOn(await this.#open(), topology);
    } catch (error) {
      throw refused(`the queues of ${topology.service}`, error);
    }
    this.#topologies.set(topology.queue, topology);
  }

  /** Makes sure the retry queue `name` exists: classic, and dead-lettering expired messages into `target`. */
  async retryQueue(name: string, target: string): Promise<void> {
    if (this.#retryQueues.has(name)) return;
    try {
      const channel = await this.#open();
      await channel.assertQueue(name, {
        durable: true,
        arguments: {
          'x-queue-type': 'classic',
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': target,
        },
      });
    } catch (error) {
      throw refused(`the retry queue ${name}`, error);
    }
    this.#retryQueues.add(name);
  }

  /** Forgets the connection (it is gone); the topologies stay remembered. */
  detach(): void {
    this.#model = undefined;
    this.#channel = undefined;
  }

  #open(): Promise<Channel> {
    const model = this.#model;
    if (!model) return Promise.reject(new WharfError('TRANSPORT_UNAVAILABLE', 'Not connected to RabbitMQ'));
    if (this.#channel) return this.#channel;
    const opening = model.createChannel().then((channel) => {
      // A refused declaration closes the channel (the 'error' is the same cause); the next one opens another.
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (this.#channel === opening) this.#channel = undefined;
      });
      return channel;
    });
    opening.catch(() => {
      if (this.#channel === opening) this.#channel = undefined;
    });
    this.#channel = opening;
    return opening;
  }
}

async function declareOn(channel: Channel, topology: QueueTopology): Promise<void> {
  // Quorum queues must be durable; the dead-letter queue has the service queue's type so it is as safe.
  const args = { 'x-queue-type': topology.queueType };
  await channel.assertQueue(topology.queue, { durable: true, arguments: args });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: args });
  for (const type of topology.events) await channel.bindQueue(topology.queue, EVENTS_EXCHANGE, type);
  for (const type of topology.commands) await channel.bindQueue(topology.queue, COMMANDS_EXCHANGE, type);
}

function refused(what: string, error: unknown): WharfError {
  if (WharfError.is(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  // 406 and 405: the broker refuses the declaration itself (e.g. a queue exists with another type).
  const code = (error as { code?: unknown }).code;
  if (code === 406 || code === 405) {
    return new WharfError('CONFIG_INVALID', `RabbitMQ refused to declare ${what}: ${reason}`, {
      retryable: false,
      cause: error,
    });
  }
  return new WharfError('TRANSPORT_UNAVAILABLE', `Could not declare ${what}: ${reason}`, { cause: error });
}
