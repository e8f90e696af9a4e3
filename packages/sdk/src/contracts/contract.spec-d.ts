import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import type { Bus } from '../bus/bus.js';
import { on, answer, type EventHandler, type QueryHandler } from '../handlers/handler.js';
import type { MessageContext } from '../handlers/message-context.js';
import { defineEvent, defineQuery, type Payload, type Response } from './contract.js';

const ChatMessagePosted = defineEvent({
  name: 'chat.message-posted',
  version: 1,
  schema: z.object({ messageId: z.string(), room: z.string(), text: z.string() }),
});
const FeedGet = defineQuery({
  name: 'feed.get',
  version: 1,
  request: z.object({ room: z.string(), limit: z.number() }),
  response: z.object({ entries: z.array(z.object({ text: z.string() })) }),
});

class AppendToFeed implements EventHandler<typeof ChatMessagePosted> {
  async handle(message: Payload<typeof ChatMessagePosted>, _ctx: MessageContext): Promise<void> {
    void message.room;
  }
}
class GetFeed implements QueryHandler<typeof FeedGet> {
  handle(request: Payload<typeof FeedGet>): Response<typeof FeedGet> {
    return { entries: [{ text: request.room }] };
  }
}

describe('contract types', () => {
  it('derive the payload type from the schema', () => {
    expectTypeOf<Payload<typeof ChatMessagePosted>>().toEqualTypeOf<{ messageId: string; room: string; text: string }>();
    expectTypeOf<Response<typeof FeedGet>>().toEqualTypeOf<{ entries: { text: string }[] }>();
  });

  it('accept a handler of the right contract', () => {
    on(ChatMessagePosted, AppendToFeed);
    answer(FeedGet, GetFeed);
  });

  it('reject a handler of another contract', () => {
    // @ts-expect-error GetFeed handles feed.get requests, not chat.message-posted events.
    on(ChatMessagePosted, GetFeed);
    // @ts-expect-error AppendToFeed cannot answer a query.
    answer(FeedGet, AppendToFeed);
  });

  it('reject a publish with a wrong or missing field', () => {
    const bus = {} as Bus;
    const publish = () => {
      // @ts-expect-error `txt` is not a field of chat.message-posted.
      void bus.publish(ChatMessagePosted, { messageId: 'm', room: 'r', txt: 'hi' });
      // @ts-expect-error a query is not an event.
      void bus.publish(FeedGet, { room: 'r', limit: 1 });
    };
    expectTypeOf(publish).toBeFunction();
    expectTypeOf(bus.request(FeedGet, { room: 'r', limit: 1 })).resolves.toEqualTypeOf<{ entries: { text: string }[] }>();
  });
});
