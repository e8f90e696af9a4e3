import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { WharfError, type Consumer, type Delivery, type QueueTopology } from '@wharf/sdk';
import { AmqpDelivery, type ChannelState, type DeliveryRuntime } from './amqp-delivery.js';
import { backoffDelay, pause } from './backoff.js';

/** What a consumer needs from its transport. */
export interface ConsumerRuntime extends Omit<DeliveryRuntime, 'topology' | 'onSettled'> {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** The broker cancelled the consumer (its queue was deleted): not ready until `onRestored`. */
  readonly onLost: (consumer: AmqpConsumer, cause: Error) => void;
  readonly onRestored: (consumer: AmqpConsumer) => void;
  /** The channel closed under a connection that may still be up. */
  readonly onChannelLost: (model: ChannelModel, cause: Error) => void;
  readonly onCancelled: (consumer: AmqpConsumer) => void;
}

/**
 * Consumes one service queue on a channel of its own: its prefetch window, its acks and a channel error it may
 * cause (e.g. a refused ack) stay its own, and cancelling it leaves the channel open until what it handed over
 * is settled. Deliveries are handed over as they come, up to the prefetch, without waiting for each other.
 */
export class AmqpConsumer implements Consumer {
  readonly topology: QueueTopology;
  readonly #onDelivery: (delivery: Delivery) => Promise<void>;
  readonly #prefetch: number;
  readonly #runtime: ConsumerRuntime;
  // One runtime object shared by every delivery of this consumer, rather than one built per message.
  readonly #deliveryRuntime: DeliveryRuntime;
  #state: ChannelState | undefined;
  #tag: string | undefined;
  #cancelled = false;

  constructor(
    topology: QueueTopology,
    onDelivery: (delivery: Delivery) => Promise<void>,
    prefetch: number,
    runtime: ConsumerRuntime,
  ) {
    this.topology = topology;
    this.#onDelivery = onDelivery;
    this.#prefetch = prefetch;
    this.#runtime = runtime;
    this.#deliveryRuntime = {
      ...runtime,
      topology,
      onSettled: (settled) => {
        settled.channelState.unsettled -= 1;
        this.#closeIfIdle();
      },
    };
  }

  /**
   * Starts consuming on a new channel of `model` (first attach, or after a reconnect). With `declared`, the channel
   * opens and takes its prefetch while the queue is being declared, and consumes once that declaration succeeded.
   */
  async attach(model: ChannelModel, declared?: Promise<void>): Promise<void> {
    if (this.#cancelled) return;
    const channel = await model.createChannel();
    const state: ChannelState = { channel, open: true, attaching: true, unsettled: 0 };
    let cause: Error | undefined;
    channel.on('error', (error: Error) => (cause = error));
    channel.on('close', () => {
      state.open = false;
      this.#onClose(model, state, cause);
    });
    this.#state = state;
    try {
      await channel.prefetch(this.#prefetch);
      if (declared) await declared;
      await this.#consume(state);
    } catch (error) {
      await channel.close().catch(() => undefined);
      const code = (error as { code?: unknown }).code;
      if (code === 404) {
        throw new WharfError(
          'CONFIG_INVALID',
          `Cannot consume ${this.topology.queue}: the queue does not exist (declare it first)`,
          {
            retryable: false,
            cause: error,
          },
        );
      }
      throw error;
    } finally {
      state.attaching = false;
    }
  }

  async cancel(): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#runtime.onCancelled(this);
    const state = this.#state;
    const tag = this.#tag;
    this.#tag = undefined;
    if (state?.open && tag !== undefined) await state.channel.cancel(tag).catch(() => undefined);
    this.#closeIfIdle();
  }

  /** Stops for good: the transport is closing its connection, and with it this channel (the broker requeues). */
  stop(): void {
    this.#cancelled = true;
  }

  async #consume(state: ChannelState): Promise<void> {
    const { consumerTag } = await state.channel.consume(
      this.topology.queue,
      (raw) => (raw === null ? this.#onServerCancel(state) : this.#deliver(state, raw)),
      { noAck: false },
    );
    this.#tag = consumerTag;
    if (this.#cancelled) {
      this.#tag = undefined;
      await state.channel.cancel(consumerTag).catch(() => undefined);
    }
  }

  #deliver(state: ChannelState, raw: ConsumeMessage): void {
    const delivery = new AmqpDelivery(raw, state, this.#deliveryRuntime);
    state.unsettled += 1;
    let work: Promise<void>;
    try {
      work = this.#onDelivery(delivery);
    } catch (error) {
      work = Promise.reject(error);
    }
    // A handler that failed without settling would hold a prefetch slot forever: give the message back.
    work.catch(() => (delivery.settled ? undefined : delivery.release().catch(() => undefined)));
  }

  // amqplib passes null when the broker cancels the consumer (queue deleted, node lost).
  #onServerCancel(state: ChannelState): void {
    if (state !== this.#state || this.#cancelled) return;
    this.#tag = undefined;
    const cause = new WharfError(
      'TRANSPORT_UNAVAILABLE',
      `RabbitMQ cancelled the consumer of ${this.topology.queue}`,
      {
        data: { queue: this.topology.queue },
      },
    );
    this.#runtime.onLost(this, cause);
    void this.#reattach(state);
  }

  async #reattach(state: ChannelState): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      await pause(backoffDelay(attempt, this.#runtime.minDelayMs, this.#runtime.maxDelayMs));
      // A closed channel is the connection's to recover (it re-attaches every consumer).
      if (this.#cancelled || state !== this.#state || !state.open) return;
      try {
        await this.#runtime.declarer.declare(this.topology);
        await this.#consume(state);
        this.#runtime.onRestored(this);
        return;
      } catch {
        // Try again after the next pause.
      }
    }
  }

  #onClose(model: ChannelModel, state: ChannelState, cause: Error | undefined): void {
    if (state !== this.#state) return;
    this.#state = undefined;
    this.#tag = undefined;
    if (this.#cancelled || state.attaching) return;
    this.#runtime.onChannelLost(
      model,
      cause ?? new Error(`The channel consuming ${this.topology.queue} closed`),
    );
  }

  #closeIfIdle(): void {
    const state = this.#state;
    if (!this.#cancelled || !state?.open) return;
    if (state.unsettled > 0) return;
    this.#state = undefined;
    state.channel.close().catch(() => undefined);
  }
}
