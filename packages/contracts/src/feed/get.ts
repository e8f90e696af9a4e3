import { defineQuery } from '@wharf/sdk';
import * as z from 'zod';

/** One message of a room's feed, as feed stores and serves it. */
export const FeedEntry = z.object({
  messageId: z.uuid(),
  room: z.string(),
  author: z.string(),
  text: z.string(),
  postedAt: z.iso.datetime(),
});

/** Ask feed for a room's latest entries, oldest first; `before` pages back from a message id. */
export const FeedGet = defineQuery({
  name: 'feed.get',
  version: 1,
  description: "A room's latest entries, oldest first.",
  request: z.object({
    room: z.string().min(1).max(100),
    limit: z.number().int().min(1).max(1_000).default(50),
    before: z.uuid().optional(),
  }),
  response: z.object({ room: z.string(), entries: z.array(FeedEntry) }),
});
