import { ChatMessagePosted, FeedGet } from '@wharf/contracts';
import { answer, defineService, on, type Payload, type Response } from '@wharf/sdk';
import { createTestHarness, type TestHarness } from '@wharf/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { chatService } from './chat.service.js';
import { ChatHttpApi } from './http-api.js';

// chat knows feed only by its contracts: a stand-in answers feed.get and listens to chat.message-posted.
const posted: Payload<typeof ChatMessagePosted>[] = [];
class Remember {
  handle(message: Payload<typeof ChatMessagePosted>): void {
    posted.push(message);
  }
}
class Answer {
  handle(request: Payload<typeof FeedGet>): Response<typeof FeedGet> {
    return { room: request.room, entries: posted.filter((m) => m.room === request.room) };
  }
}
const fakeFeed = defineService({ name: 'feed', handlers: [on(ChatMessagePosted, Remember), answer(FeedGet, Answer)] });

let harness: TestHarness;
afterEach(async () => {
  posted.length = 0;
  await harness.stop();
});

async function start(withFeed: boolean): Promise<string> {
  harness = await createTestHarness(withFeed ? [fakeFeed, chatService] : [chatService], {
    env: { HTTP_PORT: '0', FEED_TIMEOUT_MS: '200' },
  });
  return `http://127.0.0.1:${harness.get<ChatHttpApi>(ChatHttpApi, 'chat').port}`;
}

const post = (base: string, room: string, body: unknown) =>
  fetch(`${base}/rooms/${room}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('ChatHttpApi', () => {
  it('publishes a posted message and answers 202 with its id', async () => {
    const base = await start(true);
    const response = await post(base, 'general', { author: 'ada', text: 'hello' });
    expect(response.status).toBe(202);
    const { messageId } = (await response.json()) as { messageId: string };
    await harness.waitForHandled(ChatMessagePosted);
    expect(harness.published(ChatMessagePosted)).toEqual([expect.objectContaining({ messageId, room: 'general', author: 'ada', text: 'hello' })]);
  });

  it('answers 400 with the schema issues and publishes nothing on bad input', async () => {
    const base = await start(true);
    const response = await post(base, 'general', { author: '', text: 'x'.repeat(4_001) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; data: { issues: { path: string }[] } } };
    expect(body.error.code).toBe('CONTRACT_VIOLATION');
    expect(body.error.data.issues.map((i) => i.path)).toEqual(['author', 'text']);
    expect(harness.published(ChatMessagePosted)).toEqual([]);
  });

  it('reads a room feed by asking feed over the bus', async () => {
    const base = await start(true);
    await post(base, 'general', { author: 'ada', text: 'one' });
    await harness.waitForHandled(ChatMessagePosted);
    const response = await fetch(`${base}/rooms/general/feed`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ room: 'general', entries: [expect.objectContaining({ text: 'one' })] });
  });

  it('answers 503 with a clear body when feed does not answer', async () => {
    const base = await start(false);
    const response = await fetch(`${base}/rooms/general/feed`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: expect.stringMatching(/UNROUTABLE|REQUEST_TIMEOUT/), retryable: expect.any(Boolean) } });
  });
});
