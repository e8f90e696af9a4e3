import type { Channel, ConsumeMessage } from 'amqplib';
import { SETTLED, WharfError, retryQueue, type Delivery, type QueueTopology, type TransportMessage } from '@wharf/sdk';
import { fromAmqp, toOutbound } from './message-mapping.js';
import type { Publisher } from './publisher.js';
import { retryTier } from './retry-tiers.js';
import type { TopologyDeclarer } from './topology-declarer.js';

/** A consumer's channel and whether it is still open: a delivery can only be settled on its own channel. */
export interface ChannelState {
  readonly channel: Channel;
  open: boolean;
  /** True while the consumer is being attached: a failure there is its caller's, not a lost channel. */
  attaching: boolean;
  /** Deliveries handed over on this channel and not settled yet: a cancelled consumer closes it at 0. */
  unsettled: number;
}

/** What a delivery needs to settle itself. */
export interface DeliveryRuntime {
  readonly topology: QueueTopology;
  readonly publisher: Publisher;
  readonly declarer: TopologyDeclarer;
  /** How long a retry or dead-letter copy may wait for its confirm. */
  readonly settleTimeoutMs: number;
  readonly onSettled: (delivery: AmqpDelivery) => void;
}

/**
 * One message from a service queue, settled exactly once: the first settle call wins, later ones do nothing.
 * `retry` and `deadLetter` publish a copy and wait for its confirm before acking the original, so a crash in
 * between duplicates the message rather than losing it. Settling after the channel closed does nothing: the
 * broker has already put the message back on its queue.
 */
export class AmqpDelivery implements Delivery {
  readonly message: TransportMessage;
  readonly redelivered: boolean;
  readonly #raw: ConsumeMessage;
  readonly #state: ChannelState;
  readonly #runtime: DeliveryRuntime;
  #settled = false;

  constructor(raw: ConsumeMessage, state: ChannelState, runtime: DeliveryRuntime) {
    this.#raw = raw;
    this.#state = state;
    this.#runtime = runtime;
    this.message = fromAmqp(raw);
    this.redelivered = raw.fields.redelivered;
  }

  /** True once a settle method has been called. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The channel this delivery came on. */
  get channelState(): ChannelState {
    return this.#state;
  }

  ack(): Promise<void> {
    return this.#settleNow(false);
  }

  release(): Promise<void> {
    return this.#settleNow(true);
  }

  retry(delayMs: number, headers: Readonly<Record<string, string>>): Promise<void> {
    const { topology, declarer } = this.#runtime;
    const queue = retryQueue(topology.service, retryTier(delayMs));
    return this.#settle(async () => {
      await declarer.retryQueue(queue, topology.queue);
      await this.#copyTo(queue, headers, String(Math.max(0, Math.round(delayMs))));
      this.#state.channel.ack(this.#raw);
    }, queue);
  }

  deadLetter(headers: Readonly<Record<string, string>>): Promise<void> {
    const queue = this.#runtime.topology.deadLetterQueue;
    return this.#settle(async () => {
      await this.#copyTo(queue, headers);
      this.#state.channel.ack(this.#raw);
    }, queue);
  }

  // An ack or a release is one frame written at once: no promise to wait for but the one returned.
  #settleNow(requeue: boolean): Promise<void> {
    if (this.#settled) return SETTLED;
    this.#settled = true;
    try {
      if (!this.#state.open) return SETTLED;
      if (requeue) this.#state.channel.nack(this.#raw, false, true);
      else this.#state.channel.ack(this.#raw);
      return SETTLED;
    } catch (error) {
      return this.#failed(error);
    } finally {
      this.#runtime.onSettled(this);
    }
  }

  async #settle(action: () => Promise<void>, copyQueue: string): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    try {
      if (!this.#state.open) return;
      await action();
    } catch (error) {
      await this.#failed(error, copyQueue);
    } finally {
      this.#runtime.onSettled(this);
    }
  }

  // Resolves when the channel closed meanwhile (the broker requeues the original: nothing is lost, nothing to
  // report); otherwise returns the original to its queue rather than lose it, and rejects with why.
  #failed(error: unknown, copyQueue?: string): Promise<void> {
    if (!this.#state.open) return SETTLED;
    try {
      this.#state.channel.nack(this.#raw, false, true);
    } catch {
      // Closed in between: requeued by the broker all the same.
    }
    const reason = error instanceof Error ? error.message : String(error);
    return Promise.reject(
      new WharfError(
        'TRANSPORT_UNAVAILABLE',
        `Could not move ${this.message.type} to ${copyQueue ?? 'its queue'} (${reason}); it went back to ${this.#runtime.topology.queue}`,
        { cause: error },
      ),
    );
  }

  #copyTo(queue: string, headers: Readonly<Record<string, string>>, expiration?: string): Promise<unknown> {
    const copy: TransportMessage = { ...this.message, headers: { ...headers } };
    const outbound = toOutbound(
      copy,
      { exchange: '', routingKey: queue },
      expiration === undefined ? { copy: true } : { copy: true, expiration },
    );
    return this.#runtime.publisher.publish(outbound, this.#runtime.settleTimeoutMs, () => this.#state.open);
  }
}
