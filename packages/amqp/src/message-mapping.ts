import { randomUUID } from 'node:crypto';
import type { Message, Options } from 'amqplib';
import {
  COMMANDS_EXCHANGE,
  EVENTS_EXCHANGE,
  WharfError,
  type MessageKind,
  type TransportMessage,
} from '@wharf/sdk';

/** Header carrying the message kind, so a delivery maps back to the kind it was published as. */
export const KIND_HEADER = 'x-wharf-kind';
/** Header carrying the producer's timestamp in ms (the AMQP `timestamp` property has whole seconds only). */
export const TIMESTAMP_HEADER = 'x-wharf-timestamp-ms';
/**
 * Header with a number unique to each publish of a publisher. A basic.return carries the returned message's
 * headers but no delivery tag; the message id alone cannot tell apart two publishes of one message in flight.
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

/** A message as published to its route (`to` overrides the route, e.g. for a retry or dead-letter copy). */
export function toOutbound(
  message: TransportMessage,
  to: { exchange: string; routingKey: string } = routeOf(message),
  extra: Pick<Options.Publish, 'expiration' | 'replyTo'> = {},
): Outbound {
  const reply = message.kind === 'reply';
  const options: Outbound['options'] = {
    contentType: 'application/json',
    messageId: message.id,
    type: message.type,
    appId: message.appId,
    // AMQP timestamps are whole seconds; the header keeps the milliseconds.
    timestamp: Math.floor(message.timestamp / 1000),
    headers: {
      ...message.headers,
      [KIND_HEADER]: message.kind,
      [TIMESTAMP_HEADER]: String(message.timestamp),
    },
    persistent: !reply,
    mandatory: !reply,
  };
  if (message.correlationId !== undefined) options.correlationId = message.correlationId;
  const replyTo = extra.replyTo ?? (reply ? undefined : message.replyTo);
  if (replyTo !== undefined) options.replyTo = replyTo;
  if (extra.expiration !== undefined) options.expiration = extra.expiration;
  return { ...to, content: message.body, options, type: message.type };
}

/** A received AMQP message as a TransportMessage: header values as strings, transport headers removed. */
export function fromAmqp(raw: Message): TransportMessage {
  const { properties, fields } = raw;
  const rawHeaders: Record<string, unknown> = properties.headers ?? {};
  const headers: Record<string, string> = {};
  for (const name in rawHeaders) {
    if (isInternalHeader(name)) continue;
    const text = headerText(rawHeaders[name]);
    if (text !== undefined) headers[name] = text;
  }
  const replyTo = stringOrUndefined(properties.replyTo);
  const correlationId = stringOrUndefined(properties.correlationId);
  const kindHeader = rawHeaders[KIND_HEADER];
  const kind: MessageKind =
    typeof kindHeader === 'string' && KINDS.has(kindHeader)
      ? (kindHeader as MessageKind)
      : fields.exchange === COMMANDS_EXCHANGE
        ? replyTo === undefined
          ? 'command'
          : 'query'
        : 'event';
  const message: TransportMessage = {
    // A message without an id (published by something else than Wharf) still needs one to be settled and logged.
    id: stringOrUndefined(properties.messageId) ?? randomUUID(),
    kind,
    type: stringOrUndefined(properties.type) ?? '',
    body: raw.content,
    headers,
    appId: stringOrUndefined(properties.appId) ?? '',
    timestamp: timestampOf(rawHeaders[TIMESTAMP_HEADER], properties.timestamp),
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(replyTo === undefined ? {} : { replyTo }),
  };
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

function timestampOf(header: unknown, seconds: unknown): number {
  const ms = typeof header === 'string' || typeof header === 'number' ? Number(header) : Number.NaN;
  if (Number.isFinite(ms)) return ms;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) return seconds * 1000;
  // No timestamp at all (a foreign producer): the time of receipt is the best estimate there is.
  return Date.now();
}
