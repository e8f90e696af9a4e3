import * as z from 'zod';

/** feed's own environment variables. */
export const feedConfig = z.object({
  /** Port of the HTTP API (`GET /rooms/:room/feed`). */
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  /** PostgreSQL URL; feed keeps rooms in memory when unset. */
  DATABASE_URL: z.string().startsWith('postgres').optional(),
});

/** feed's parsed configuration, bound to the SDK's `Config` token. */
export type FeedConfig = z.infer<typeof feedConfig>;
