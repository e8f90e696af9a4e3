import { validate } from '@wharf/sdk';
import { describe, expect, it } from 'vitest';
import { ChatMessagePosted, FeedGet } from './index.js';

const message = {
  messageId: '0190b5a6-4c2e-7c3a-9f1e-2b7d4a1c9e01',
  room: 'general',
  author: 'ada',
  text: 'hello',
  postedAt: '2026-11-26T10:00:00.000Z',
};

describe('ChatMessagePosted', () => {
  it('is version 1 of chat.message-posted, owned by chat', () => {
    expect(ChatMessagePosted).toMatchObject({ type: 'chat.message-posted.v1', owner: 'chat', kind: 'event' });
  });

  it('accepts a well-formed message and rejects text over 4,000 characters', async () => {
    await expect(validate(ChatMessagePosted.schema, message, 'm')).resolves.toEqual(message);
    await expect(validate(ChatMessagePosted.schema, { ...message, text: 'x'.repeat(4_001) }, 'm')).rejects.toMatchObject({
      code: 'CONTRACT_VIOLATION',
      data: { issues: [expect.objectContaining({ path: 'text', code: 'too_big' })] },
    });
  });
});

describe('FeedGet', () => {
  it('is a query owned by feed with a default limit of 50', async () => {
    expect(FeedGet).toMatchObject({ type: 'feed.get.v1', owner: 'feed', kind: 'query' });
    await expect(validate(FeedGet.schema, { room: 'general' }, 'q')).resolves.toEqual({ room: 'general', limit: 50 });
  });
});
