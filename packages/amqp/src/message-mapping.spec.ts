import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { messageId, WharfError, type TransportMessage } from '@wharf/sdk';
import { fromAmqp, KIND_HEADER, routeOf, TIMESTAMP_HEADER, toOutbound } from './message-mapping.js';

function received(properties: Partial<Message['properties']>, exchange = 'wharf.events'): Message {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange, routingKey: 'x' },
    properties: { headers: {}, ...properties } as Message['properties'],
  };
}

// A UUIDv7 made at 1_700_000_000_123 ms.
const V7_AT_1_700_000_000_123 = '018bcfe5-687b-7abc-8def-0123456789ab';

const event: TransportMessage = {
  id: 'm-1',
  kind: 'event',
  type: 'chat.message-posted.v1',
  body: Buffer.from('{"a":1}'),
  headers: { traceparent: 'tp' },
  appId: 'chat',
  timestamp: 1_700_000_000_123,
  correlationId: 'c-1',
};

describe('routeOf', () => {
  it('sends events to the topic exchange, commands and queries to the direct one, replies to their address', () => {
    expect(routeOf(event)).toEqual({ exchange: 'wharf.events', routingKey: 'chat.message-posted.v1' });
    expect(routeOf({ ...event, kind: 'command' })).toEqual({
      exchange: 'wharf.commands',
      routingKey: 'chat.message-posted.v1',
    });
    expect(routeOf({ ...event, kind: 'query' }).exchange).toBe('wharf.commands');
    expect(routeOf({ ...event, kind: 'reply', replyTo: 'amq.rabbitmq.reply-to.abc' })).toEqual({
      exchange: '',
      routingKey: 'amq.rabbitmq.reply-to.abc',
    });
  });

  it('refuses a reply without an address', () => {
    expect(() => routeOf({ ...event, kind: 'reply' })).toThrow(WharfError);
  });
});

describe('toOutbound', () => {
  it('sets every property, persistent and mandatory; the ms timestamp goes in a header when the id lacks it', () => {
    const { options, exchange, routingKey } = toOutbound(event);
    expect({ exchange, routingKey }).toEqual({
      exchange: 'wharf.events',
      routingKey: 'chat.message-posted.v1',
    });
    expect(options).toEqual({
      contentType: 'application/json',
      messageId: 'm-1',
      type: 'chat.message-posted.v1',
      appId: 'chat',
      timestamp: 1_700_000_000,
      correlationId: 'c-1',
      headers: { traceparent: 'tp', [TIMESTAMP_HEADER]: '1700000000123' },
      persistent: true,
      mandatory: true,
    });
  });

  it('sends no header table for a message whose UUIDv7 id carries its timestamp and which has no headers', () => {
    const now = Date.now();
    const { options } = toOutbound({ ...event, id: messageId(now), timestamp: now, headers: {} });
    expect(options.headers).toBeUndefined();
    expect(options.timestamp).toBe(Math.floor(now / 1000));
  });

  it('marks a retry or dead-letter copy with its kind, which the default exchange does not tell', () => {
    const now = Date.now();
    const query = { ...event, kind: 'query' as const, id: messageId(now), timestamp: now, headers: {} };
    const { options } = toOutbound(query, { exchange: '', routingKey: 'feed.dlq' }, { copy: true });
    expect(options.headers).toEqual({ [KIND_HEADER]: 'query' });
  });

  it('sends replies neither persistent nor mandatory, and without a replyTo of their own', () => {
    const { options } = toOutbound({ ...event, kind: 'reply', replyTo: 'amq.rabbitmq.reply-to.abc' });
    expect(options).toMatchObject({ persistent: false, mandatory: false });
    expect(options.replyTo).toBeUndefined();
  });
});

describe('fromAmqp', () => {
  it('maps what toOutbound wrote back to the same message', () => {
    const { options, content } = toOutbound(event);
    expect(fromAmqp({ ...received(options), content })).toEqual(event);
    const now = Date.now();
    const bare = { ...event, id: messageId(now), timestamp: now, headers: {} };
    const wire = toOutbound(bare);
    expect(fromAmqp({ ...received(wire.options), content: wire.content })).toEqual(bare);
  });

  it('keeps the kind and timestamp of a copy that comes back through the default exchange', () => {
    const query = { ...event, kind: 'query' as const, replyTo: 'amq.rabbitmq.reply-to.x' };
    const { options, content } = toOutbound(query, { exchange: '', routingKey: 'feed.retry.1s' }, { copy: true });
    expect(fromAmqp({ ...received(options, ''), content })).toEqual(query);
  });

  it('takes the kind it is told (a reply on the direct reply-to consumer)', () => {
    expect(fromAmqp(received({ correlationId: 'c-1' }, ''), 'reply').kind).toBe('reply');
  });

  it("trusts a UUIDv7 id's time only when the AMQP timestamp agrees with it", () => {
    const id = V7_AT_1_700_000_000_123;
    expect(fromAmqp(received({ messageId: id, timestamp: 1_700_000_000 })).timestamp).toBe(1_700_000_000_123);
    expect(fromAmqp(received({ messageId: id, timestamp: 1_800_000_000 })).timestamp).toBe(1_800_000_000_000);
  });

  it('turns header values into strings and leaves out tables and transport bookkeeping', () => {
    const message = fromAmqp(
      received({
        headers: {
          n: 3,
          yes: true,
          bytes: Buffer.from('raw'),
          table: { a: 1 },
          'x-death': [
            {
              count: 1,
              reason: 'expired',
              queue: 'q.retry.100ms',
              time: { '!': 'timestamp', value: 1 },
              exchange: '',
              'routing-keys': ['q'],
            },
          ],
          'x-first-death-queue': 'q.retry.100ms',
          'x-wharf-publish-tag': '7',
        },
      }),
    );
    expect(message.headers).toEqual({ n: '3', yes: 'true', bytes: 'raw' });
  });

  it('infers the kind of a foreign message from its exchange and replyTo', () => {
    expect(fromAmqp(received({})).kind).toBe('event');
    expect(fromAmqp(received({}, 'wharf.commands')).kind).toBe('command');
    expect(fromAmqp(received({ replyTo: 'amq.rabbitmq.reply-to.x' }, 'wharf.commands')).kind).toBe('query');
  });

  it('falls back to the AMQP timestamp in seconds, then to the time of receipt', () => {
    expect(fromAmqp(received({ timestamp: 1_700_000_000 })).timestamp).toBe(1_700_000_000_000);
    const before = Date.now();
    expect(fromAmqp(received({})).timestamp).toBeGreaterThanOrEqual(before);
  });

  it('gives a message without id, type or app id usable defaults', () => {
    const message = fromAmqp(received({}));
    expect(message.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(message.type).toBe('');
    expect(message.appId).toBe('');
  });
});
