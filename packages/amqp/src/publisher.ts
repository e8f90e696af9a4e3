import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { SETTLED, WharfError } from '@wharf/sdk';
import { DIRECT_REPLY_TO, PUBLISH_TAG_HEADER, type Outbound } from './message-mapping.js';

interface Pending {
  readonly outbound: Outbound;
  /** False when the publish no longer makes sense (a retry copy whose delivery's channel closed). */
  readonly guard: (() => boolean) | undefined;
  /** The channel it was last sent on; undefined while it waits for one. */
  sentOn: ConfirmChannel | undefined;
  /**
   * Set on a mandatory send whose message id was already in flight on the channel: tells which publish a
   * basic.return is about. The first send of an id goes untagged and is found by its id.
   */
  tag: string | undefined;
  /** False once confirmed, returned to the waiting list or finished. */
  unconfirmed: boolean;
  /** Set by a basic.return, which RabbitMQ sends before the confirm of the same message. */
  returned: { exchange: string; routingKey: string; replyText: string } | undefined;
  finish(error: Error | undefined, channel?: ConfirmChannel): void;
}

interface PendingReply {
  /** The channel whose reply-to address the request carried, once the request is confirmed. */
  channel: ConfirmChannel | undefined;
  readonly type: string;
  finish(error: Error | undefined, reply?: Message): void;
}

/**
 * Publishes with confirms on one ConfirmChannel per connection, which also consumes direct reply-to (a reply
 * reaches the channel its request was published on). A publish resolves only on the broker's ack; a
 * basic.return turns it into UNROUTABLE; a publish whose channel died before its confirm is sent again on the
 * next channel (at-least-once), and one that finds no channel within its timeout fails TRANSPORT_UNAVAILABLE.
 */
export class Publisher {
  readonly #waiting: Pending[] = [];
  readonly #inFlight = new Set<Pending>();
  readonly #idleWaiters: (() => void)[] = [];
  // Mandatory publishes in flight on the current channel that a basic.return may be about: by message id when
  // untagged, by publish tag otherwise.
  readonly #untagged = new Map<string, Pending>();
  readonly #tagged = new Map<string, Pending>();
  readonly #replies = new Map<string, PendingReply>();
  readonly #onChannelLost: (model: ChannelModel, cause: Error) => void;
  #channel: ConfirmChannel | undefined;
  #sequence = 0;
  #closed = false;

  /** `onChannelLost` hears of a channel that closed while the transport was open (its connection may be up). */
  constructor(onChannelLost: (model: ChannelModel, cause: Error) => void) {
    this.#onChannelLost = onChannelLost;
  }

  /**
   * Opens the channel on a new connection, without sending yet: it can open while the topology is declared.
   * Call {@link flush} once the exchanges exist.
   */
  async attach(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    let cause: Error | undefined;
    channel.on('error', (error: Error) => (cause = error));
    channel.on('return', (message: Message) => this.#onReturn(channel, message));
    channel.on('close', () => this.#onClose(model, channel, cause));
    await channel.consume(DIRECT_REPLY_TO, (reply) => reply && this.#onReply(reply), { noAck: true });
    this.#channel = channel;
  }

  /** Sends what waited for a channel. */
  flush(): void {
    if (this.#channel) for (const pending of this.#waiting.splice(0)) this.#send(pending);
  }

  /** True while a channel is open to publish on. */
  get attached(): boolean {
    return this.#channel !== undefined;
  }

  /** Publishes and resolves once the broker has confirmed it. */
  publish(outbound: Outbound, timeoutMs: number, guard?: () => boolean): Promise<void> {
    if (this.#closed)
      return Promise.reject(unavailable(`${outbound.type} was not published: the transport is closed`));
    return new Promise<void>((resolve, reject) => {
      this.#enqueue(outbound, timeoutMs, guard, (error) => (error ? reject(error) : resolve()));
    });
  }

  // Sends `outbound` and calls `done` once: with the channel that confirmed it, or with why it failed.
  #enqueue(
    outbound: Outbound,
    timeoutMs: number,
    guard: (() => boolean) | undefined,
    done: (error: Error | undefined, channel?: ConfirmChannel) => void,
  ): void {
    let finished = false;
    const pending: Pending = {
      outbound,
      guard,
      sentOn: undefined,
      tag: undefined,
      unconfirmed: false,
      returned: undefined,
      finish: (error, channel) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.#forget(pending);
        this.#inFlight.delete(pending);
        if (this.#inFlight.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
        done(error, channel);
      },
    };
    const timer = setTimeout(() => {
      pending.finish(
        pending.sentOn
          ? new WharfError('PUBLISH_TIMEOUT', `RabbitMQ did not confirm ${outbound.type} within ${timeoutMs} ms`, {
              data: { type: outbound.type, exchange: outbound.exchange, timeoutMs },
            })
          : unavailable(`${outbound.type} was not published: no connection to RabbitMQ within ${timeoutMs} ms`, {
              type: outbound.type,
              timeoutMs,
            }),
      );
    }, timeoutMs);
    this.#inFlight.add(pending);
    this.#send(pending);
  }

  /**
   * Sends a reply to a direct reply-to address without tracking its confirm: a reply is transient and not
   * mandatory, RabbitMQ drops it when its requester has gone, and the request is acked either way; waiting for
   * the confirm would only hold the request's prefetch slot one more round trip. Rejects when there is no channel.
   */
  reply(outbound: Outbound): Promise<void> {
    const channel = this.#channel;
    if (this.#closed || !channel) {
      return Promise.reject(unavailable(`The reply to ${outbound.type} was not sent: no connection to RabbitMQ`));
    }
    try {
      channel.publish(outbound.exchange, outbound.routingKey, outbound.content, outbound.options);
      // The SDK's resolved promise for "done at once": the dispatcher acks the request without waiting a tick.
      return SETTLED;
    } catch (error) {
      return Promise.reject(unavailable(`The reply to ${outbound.type} was not sent: ${(error as Error).message}`));
    }
  }

  /**
   * Publishes a request and resolves with the reply whose correlation id matches its own. `outbound` carries a
   * correlation id and `replyTo` set to the direct reply-to address (`toOutbound` extras).
   */
  request(outbound: Outbound, timeoutMs: number, timedOut: () => WharfError): Promise<Message> {
    const { correlationId, replyTo } = outbound.options;
    if (correlationId === undefined || replyTo !== DIRECT_REPLY_TO) {
      return Promise.reject(
        new WharfError('INVALID_STATE', `A request must carry a correlation id and reply to ${DIRECT_REPLY_TO}`),
      );
    }
    if (this.#replies.has(correlationId)) {
      return Promise.reject(
        new WharfError('INVALID_STATE', `A request with correlation id ${correlationId} is already waiting`),
      );
    }
    return new Promise<Message>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => entry.finish(timedOut()), timeoutMs);
      const entry: PendingReply = {
        channel: undefined,
        type: outbound.type,
        finish: (error, reply) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          this.#replies.delete(correlationId);
          if (error) reject(error);
          else resolve(reply as Message);
        },
      };
      this.#replies.set(correlationId, entry);
      this.#enqueue(outbound, timeoutMs, undefined, (error, channel) => {
        if (error) {
          const timeout = WharfError.is(error) && error.code === 'PUBLISH_TIMEOUT';
          entry.finish(timeout ? timedOut() : error);
        } else if (channel !== this.#channel) {
          // Confirmed on a channel that has closed since: its reply-to address is gone with it.
          entry.finish(replyLost(outbound.type));
        } else {
          entry.channel = channel;
        }
      });
    });
  }

  /** Fails what waits for a connection and waits up to `timeoutMs` for outstanding confirms. */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    for (const pending of this.#waiting.splice(0)) {
      pending.finish(unavailable(`${pending.outbound.type} was not published: the transport closed`));
    }
    if (this.#inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        this.#idleWaiters.push(resolve);
      });
      clearTimeout(timer);
    }
    for (const pending of [...this.#inFlight]) {
      pending.finish(
        unavailable(
          `${pending.outbound.type} may not have been published: the transport closed before its confirm`,
        ),
      );
    }
    for (const entry of [...this.#replies.values()])
      entry.finish(unavailable(`The transport closed before the reply to ${entry.type}`));
    // The channel closes with the connection.
  }

  #send(pending: Pending): void {
    const channel = this.#channel;
    pending.sentOn = undefined;
    pending.returned = undefined;
    if (this.#closed)
      return pending.finish(unavailable(`${pending.outbound.type} was not published: the transport closed`));
    if (pending.guard && !pending.guard()) {
      return pending.finish(
        unavailable(
          `${pending.outbound.type} was not published: the delivery it copies was returned to its queue`,
        ),
      );
    }
    if (!channel) {
      this.#waiting.push(pending);
      return;
    }
    const { exchange, routingKey, content } = pending.outbound;
    let { options } = pending.outbound;
    pending.sentOn = channel;
    pending.unconfirmed = true;
    if (options.mandatory) {
      if (!this.#untagged.has(options.messageId)) {
        this.#untagged.set(options.messageId, pending);
      } else {
        this.#sequence += 1;
        pending.tag = String(this.#sequence);
        this.#tagged.set(pending.tag, pending);
        options = { ...options, headers: { ...options.headers, [PUBLISH_TAG_HEADER]: pending.tag } };
      }
    }
    try {
      channel.publish(exchange, routingKey, content, options, (error: unknown) =>
        this.#onConfirm(pending, channel, error),
      );
    } catch (error) {
      this.#forget(pending);
      if ((error as Error).name === 'IllegalOperationError') {
        // The channel closed in this very tick; the next one takes it.
        pending.sentOn = undefined;
        this.#waiting.push(pending);
      } else {
        const reason = (error as Error).message;
        const tooLarge = error instanceof RangeError;
        pending.finish(
          new WharfError(
            tooLarge ? 'MESSAGE_TOO_LARGE' : 'TRANSPORT_UNAVAILABLE',
            `${pending.outbound.type} was not published: ${reason}`,
            {
              retryable: !tooLarge,
              cause: error,
            },
          ),
        );
      }
    }
  }

  #onConfirm(pending: Pending, channel: ConfirmChannel, error: unknown): void {
    if (pending.sentOn !== channel || !pending.unconfirmed) return;
    this.#forget(pending);
    const { type, exchange, routingKey } = pending.outbound;
    if (error === null || error === undefined) {
      const returned = pending.returned;
      if (!returned) return pending.finish(undefined, channel);
      const where = exchange === '' ? `the queue ${routingKey}` : `${routingKey} on the exchange ${exchange}`;
      return pending.finish(
        new WharfError(
          'UNROUTABLE',
          `${type} was not routed: nothing is bound to ${where} (${returned.replyText})`,
          {
            retryable: false,
            data: { type, exchange, routingKey },
          },
        ),
      );
    }
    if ((error as Error).message === 'message nacked') {
      return pending.finish(unavailable(`RabbitMQ refused ${type} (basic.nack)`, { type, exchange }));
    }
    // The channel closed before the confirm: whether the broker has the message is unknown, so send it again.
    pending.sentOn = undefined;
    this.#waiting.push(pending);
  }

  #onReturn(channel: ConfirmChannel, message: Message): void {
    const tag: unknown = message.properties.headers?.[PUBLISH_TAG_HEADER];
    const id: unknown = message.properties.messageId;
    const candidate =
      typeof tag === 'string'
        ? this.#tagged.get(tag)
        : typeof id === 'string'
          ? this.#untagged.get(id)
          : undefined;
    if (!candidate || candidate.sentOn !== channel) return;
    const fields = message.fields as unknown as { exchange: string; routingKey: string; replyText?: string };
    candidate.returned = {
      exchange: fields.exchange,
      routingKey: fields.routingKey,
      replyText: fields.replyText ?? 'NO_ROUTE',
    };
  }

  #onReply(reply: Message): void {
    const correlationId: unknown = reply.properties.correlationId;
    if (typeof correlationId === 'string') this.#replies.get(correlationId)?.finish(undefined, reply);
  }

  #onClose(model: ChannelModel, channel: ConfirmChannel, cause: Error | undefined): void {
    if (this.#channel !== channel) return;
    this.#channel = undefined;
    for (const entry of [...this.#replies.values()])
      if (entry.channel === channel) entry.finish(replyLost(entry.type));
    if (!this.#closed) this.#onChannelLost(model, cause ?? new Error('The publishing channel closed'));
  }

  #forget(pending: Pending): void {
    pending.unconfirmed = false;
    if (this.#waiting.length > 0) {
      const index = this.#waiting.indexOf(pending);
      if (index >= 0) this.#waiting.splice(index, 1);
    }
    if (pending.tag !== undefined) {
      this.#tagged.delete(pending.tag);
      pending.tag = undefined;
    } else if (this.#untagged.get(pending.outbound.options.messageId) === pending) {
      this.#untagged.delete(pending.outbound.options.messageId);
    }
  }
}

function unavailable(message: string, data?: unknown): WharfError {
  return new WharfError('TRANSPORT_UNAVAILABLE', message, { data });
}

function replyLost(type: string): WharfError {
  return unavailable(
    `The connection to RabbitMQ was lost while waiting for the reply to ${type}; it may or may not have been handled`,
    {
      type,
    },
  );
}
