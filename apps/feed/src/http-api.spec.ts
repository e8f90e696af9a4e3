import { ChatMessagePosted } from '@wharf/contracts';
import { messageId } from '@wharf/sdk';
import { createTestHarness, type TestHarness } from '@wharf/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { feedService } from './feed.service.js';
import { FeedHttpApi } from './http-api.js';

let harness: TestHarness;
afterEach(() => harness.stop());

describe('FeedHttpApi', () => {
  it('serves a room feed over HTTP and refuses a bad limit with the issues', async () => {
    harness = await createTestHarness([feedService], { env: { HTTP_PORT: '0' } });
    const message = { messageId: messageId(), room: 'lobby', author: 'ada', text: 'hi', postedAt: new Date().toISOString() };
    await harness.publish(ChatMessagePosted, message);
    await harness.waitForHandled(ChatMessagePosted);
    const base = `http://127.0.0.1:${harness.get<FeedHttpApi>(FeedHttpApi).port}`;

    const ok = await fetch(`${base}/rooms/lobby/feed`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ room: 'lobby', entries: [message] });

    const bad = await fetch(`${base}/rooms/lobby/feed?limit=0`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'CONTRACT_VIOLATION', data: { issues: [{ path: 'limit' }] } } });
  });
});
