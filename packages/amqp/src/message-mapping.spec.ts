import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { WharfError, type TransportMessage } from '@wharf/sdk';
import { fromAmqp, KIND_HEADER, routeOf, TIMESTAMP_HEADER, toOutbound } from './message-mapping.js';

function received(properties: Partial<Message['properties']>, exchange = 'wharf.events'): Message {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange, routingKey: 'x' },
    properties: { headers: {}, ...properties } as Message['properties'],
  };
}

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
  it('sets every property, persistent and mandatory, with the kind and the ms timestamp in headers', () => {
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
      headers: { traceparent: 'tp', [KIND_HEADER]: 'event', [TIMESTAMP_HEADER]: '1700000000123' },
      persistent: true,
      mandatory: true,
    });
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
