import { ChatMessagePosted } from '@wharf/contracts';
import { defineEvent, defineQuery } from '@wharf/sdk';
import * as z from 'zod';

/** The benchmark event: the schema of `chat.message-posted` v1, so validation costs what it costs in the apps. */
export const SamplePosted = defineEvent({
  name: 'bench.sample-posted',
  version: 1,
  description: 'A benchmark event of about 200 bytes.',
  schema: ChatMessagePosted.schema,
});

const echoRequest = z.object({ seq: z.number().int().nonnegative(), text: z.string().max(1_000) });
const echoResponse = z.object({
  seq: z.number().int().nonnegative(),
  text: z.string().max(1_000),
  answeredBy: z.string(),
});

/** The benchmark query, owned by the responder service `owner` (a query's name starts with its owner). */
export function echoQuery(owner: string) {
  return defineQuery({ name: `${owner}.echo`, version: 1, request: echoRequest, response: echoResponse });
}
