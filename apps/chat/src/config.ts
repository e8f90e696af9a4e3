import * as z from 'zod';

/** chat's own environment variables. */
export const chatConfig = z.object({
  /** Port of the HTTP API. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** How long `GET /rooms/:room/feed` waits for feed before answering 503. */
  FEED_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(2_000),
});

/** chat's parsed configuration, bound to the SDK's `Config` token. */
export type ChatConfig = z.infer<typeof chatConfig>;
