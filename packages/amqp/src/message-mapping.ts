import { randomUUID } from 'node:crypto';
import type { Message, Options } from 'amqplib';
import {
  COMMANDS_EXCHANGE,
  EVENTS_EXCHANGE,
  timeOfMessageId,
  WharfError,
  type MessageKind,
  type TransportMessage,
} from '@wharf/sdk';

/**
 * Header carrying the message kind. Only copies sent to a retry or dead-letter queue carry it (they come back
 * through the default exchange, which says nothing of the kind); a routed message's kind follows from its
 * exchange and `replyTo`.
 */
export const KIND_HEADER = 'x-wharf-kind';
/**
 * Header carrying the producer's timestamp in ms, sent only when the message id does not carry it: the AMQP
 * `timestamp` property has whole seconds, and a Wharf message id is a UUIDv7 whose first 48 bits are the ms.
 */
export const TIMESTAMP_HEADER = 'x-wharf-timestamp-ms';
/**
 * Header with a number unique to each publish of a publisher, added only to a mandatory publish whose message id
 * is already in flight on the same channel: a basic.return carries the returned message's properties but no
 * delivery tag, and the message id alone cannot tell such publishes apart.
 */
export const PUBLISH_TAG_HEADER = 'x-wharf-publish-tag';
/** RabbitMQ's direct reply-to pseudo-queue. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** Where a message goes and how: what a publisher needs to send it. */
export interface Outbound {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish & { readonly messageId: string };
  /** The message type, for error messages. */
  readonly type: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// The headers of a message that has none: shared, and frozen so that nobody adds to it.
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

const KINDS: ReadonlySet<string> = new Set<MessageKind>(['event', 'command', 'query', 'reply']);
// Transport bookkeeping, and what RabbitMQ adds when a retry queue dead-letters a message back: not the SDK's business.
const INTERNAL_HEADERS: ReadonlySet<string> = new Set(['x-wharf-kind', 'x-wharf-timestamp-ms', 'x-wharf-publish-tag', 'x-death']);

function isInternalHeader(name: string): boolean {
  return INTERNAL_HEADERS.has(name) || name.startsWith('x-first-death-') || name.startsWith('x-last-death-');
}

/** The exchange and routing key of a message, by its kind. */
export function routeOf(message: TransportMessage): { exchange: string; routingKey: string } {
  switch (message.kind) {
    case 'event':
      return { exchange: EVENTS_EXCHANGE, routingKey: message.type };
    case 'command':
    case 'query':
      return { exchange: COMMANDS_EXCHANGE, routingKey: message.type };
    case 'reply':
      if (!message.replyTo) {
        throw new WharfError('UNROUTABLE', `The reply to ${message.type} has no replyTo address`, {
          retryable: false,
          data: { type: message.type },
        });
      }
      return { exchange: '', routingKey: message.replyTo };
  }
}

/** How a message is sent besides its route: a retry's delay, a request's reply address, a copy's headers. */
export interface OutboundExtras {
  readonly expiration?: string;
  readonly replyTo?: string;
  /** The correlation id, when the message has none yet (a request correlates by its own id). */
  readonly correlationId?: string;
  /** A retry or dead-letter copy: it keeps its kind and ms timestamp in headers, whatever its id. */
  readonly copy?: boolean;
}

/** A message as published to its route (`to` overrides the route, e.g. for a retry or dead-letter copy). */
export function toOutbound(
  message: TransportMessage,
  to: { exchange: string; routingKey: string } = routeOf(message),
  extra: OutboundExtras = {},
): Outbound {
  const reply = message.kind === 'reply';
  const options: Outbound['options'] = {
    contentType: 'application/json',
    messageId: message.id,
    type: message.type,
    appId: message.appId,
    // AMQP timestamps are whole seconds; the id (or a header when it cannot) keeps the milliseconds.
    timestamp: Math.floor(message.timestamp / 1000),
    persistent: !reply,
    mandatory: !reply,
  };
  const headers = wireHeaders(message, extra.copy === true);
  if (headers !== undefined) options.headers = headers;
  const correlationId = message.correlationId ?? extra.correlationId;
  if (correlationId !== undefined) options.correlationId = correlationId;
  const replyTo = extra.replyTo ?? (reply ? undefined : message.replyTo);
  if (replyTo !== undefined) options.replyTo = replyTo;
  if (extra.expiration !== undefined) options.expiration = extra.expiration;
  return { exchange: to.exchange, routingKey: to.routingKey, content: message.body, options, type: message.type };
}

// The message's own headers, plus the transport's only where the wire cannot say it otherwise; undefined when
// there are none, so that amqplib encodes no header table at all (most messages without a trace).
function wireHeaders(message: TransportMessage, copy: boolean): Record<string, string> | undefined {
  const exactTime = timeOfMessageId(message.id) === message.timestamp;
  if (!copy && exactTime) return hasAny(message.headers) ? message.headers : undefined;
  const headers: Record<string, string> = { ...message.headers };
  if (copy) headers[KIND_HEADER] = message.kind;
  if (!exactTime) headers[TIMESTAMP_HEADER] = String(message.timestamp);
  return headers;
}

function hasAny(record: Readonly<Record<string, string>>): boolean {
  for (const _ in record) return true;
  return false;
}

/**
 * A received AMQP message as a TransportMessage: header values as strings, transport headers removed. `kind`
 * overrides what the message says of itself (a reply on the direct reply-to consumer).
 */
export function fromAmqp(raw: Message, kind?: MessageKind): TransportMessage {
  const { properties, fields } = raw;
  const rawHeaders: Record<string, unknown> = properties.headers ?? NO_HEADERS;
  let headers: Record<string, string> = NO_HEADERS;
  for (const name in rawHeaders) {
    if (isInternalHeader(name)) continue;
    const text = headerText(rawHeaders[name]);
    if (text === undefined) continue;
    if (headers === NO_HEADERS) headers = {};
    headers[name] = text;
  }
  const replyTo = stringOrUndefined(properties.replyTo);
  const correlationId = stringOrUndefined(properties.correlationId);
  // A message without an id (published by something else than Wharf) still needs one to be settled and logged.
  const id = stringOrUndefined(properties.messageId) ?? randomUUID();
  const message: Mutable<TransportMessage> = {
    id,
    kind: kind ?? kindOf(rawHeaders[KIND_HEADER], fields.exchange, replyTo),
    type: stringOrUndefined(properties.type) ?? '',
    body: raw.content,
    headers,
    appId: stringOrUndefined(properties.appId) ?? '',
    timestamp: timestampOf(rawHeaders[TIMESTAMP_HEADER], id, properties.timestamp),
  };
  if (correlationId !== undefined) message.correlationId = correlationId;
  if (replyTo !== undefined) message.replyTo = replyTo;
  return message;
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  // Tables and arrays (e.g. from other producers) have no faithful string form; they are left out.
  return undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function kindOf(header: unknown, exchange: string, replyTo: string | undefined): MessageKind {
  if (typeof header === 'string' && KINDS.has(header)) return header as MessageKind;
  if (exchange === COMMANDS_EXCHANGE) return replyTo === undefined ? 'command' : 'query';
  return 'event';
}

function timestampOf(header: unknown, id: string, seconds: unknown): number {
  const ms = typeof header === 'string' || typeof header === 'number' ? Number(header) : Number.NaN;
  if (Number.isFinite(ms)) return ms;
  const hasSeconds = typeof seconds === 'number' && Number.isFinite(seconds);
  // The id's time counts only when the AMQP timestamp agrees with it: any producer may send a UUIDv7 id.
  const fromId = timeOfMessageId(id);
  if (fromId !== undefined && hasSeconds && Math.floor(fromId / 1000) === seconds) return fromId;
  if (hasSeconds) return seconds * 1000;
  // No timestamp at all (a foreign producer): the time of receipt is the best estimate there is.
  return Date.now();
}
