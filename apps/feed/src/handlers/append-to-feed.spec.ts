import { ChatMessagePosted, FeedGet } from '@wharf/contracts';
import { messageId } from '@wharf/sdk';
import { createTestHarness, type TestHarness } from '@wharf/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { feedService } from '../feed.service.js';
import { FeedStore } from '../store/feed-store.js';

function aMessage(overrides: Partial<{ room: string; text: string; messageId: string }> = {}) {
  return { messageId: messageId(), room: 'r1', author: 'ada', text: 'hello', postedAt: new Date().toISOString(), ...overrides };
}

let harness: TestHarness;
afterEach(() => harness.stop());

describe('AppendToFeed', () => {
  it('appends a posted message to its room', async () => {
    harness = await createTestHarness([feedService], { env: { HTTP_PORT: '0' } });
    await harness.publish(ChatMessagePosted, aMessage({ room: 'r1' }));
    await harness.waitForHandled(ChatMessagePosted);
    expect(await harness.get<FeedStore>(FeedStore).list('r1', { limit: 10 })).toHaveLength(1);
  });

  it('stores a redelivered message once', async () => {
    harness = await createTestHarness([feedService], { env: { HTTP_PORT: '0' } });
    const message = aMessage();
    await harness.publish(ChatMessagePosted, message);
    await harness.publish(ChatMessagePosted, message);
    await harness.waitForHandled(ChatMessagePosted, { count: 2 });
    await expect(harness.request(FeedGet, { room: 'r1' })).resolves.toEqual({ room: 'r1', entries: [message] });
  });
});

describe('GetFeed', () => {
  it('answers with the latest entries, oldest first, paging back with before', async () => {
    harness = await createTestHarness([feedService], { env: { HTTP_PORT: '0' } });
    const messages = Array.from({ length: 5 }, (_, i) => aMessage({ room: 'paged', text: `m${i}` }));
    for (const m of messages) await harness.publish(ChatMessagePosted, m);
    await harness.waitForHandled(ChatMessagePosted, { count: 5 });
    const latest = await harness.request(FeedGet, { room: 'paged', limit: 2 });
    expect(latest.entries.map((e) => e.text)).toEqual(['m3', 'm4']);
    const older = await harness.request(FeedGet, { room: 'paged', limit: 2, before: latest.entries[0]?.messageId });
    expect(older.entries.map((e) => e.text)).toEqual(['m1', 'm2']);
  });
});
