import { defineEvent } from '@wharf/sdk';
import * as z from 'zod';

/** A chat message was accepted in a room (published by chat). */
export const ChatMessagePosted = defineEvent({
  name: 'chat.message-posted',
  version: 1,
  description: 'A chat message was accepted in a room.',
  schema: z.object({
    messageId: z.uuid(),
    room: z.string().min(1).max(100),
    author: z.string().min(1).max(100),
    text: z.string().min(1).max(4_000),
    postedAt: z.iso.datetime(),
  }),
});
