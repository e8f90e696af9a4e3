import pg from 'pg';
import type { LifecycleHooks } from '@wharf/sdk';
import type { Entry, FeedStore, ListOptions } from './feed-store.js';

/** A store in PostgreSQL (`DATABASE_URL`), so feed keeps its rooms across restarts and redeploys. */
export class PostgresFeedStore implements FeedStore, LifecycleHooks {
  readonly #pool: pg.Pool;

  constructor(connectionString: string) {
    this.#pool = new pg.Pool({ connectionString, max: 5 });
  }

  async onStart(): Promise<void> {
    await this.#pool.query(`
      CREATE TABLE IF NOT EXISTS feed_entries (
        message_id uuid PRIMARY KEY,
        room text NOT NULL,
        author text NOT NULL,
        text text NOT NULL,
        posted_at timestamptz NOT NULL
      );
      CREATE INDEX IF NOT EXISTS feed_entries_room ON feed_entries (room, message_id);
    `);
  }

  async onStop(): Promise<void> {
    await this.#pool.end();
  }

  async append(entry: Entry): Promise<boolean> {
    const result = await this.#pool.query(
      `INSERT INTO feed_entries (message_id, room, author, text, posted_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (message_id) DO NOTHING`,
      [entry.messageId, entry.room, entry.author, entry.text, entry.postedAt],
    );
    return result.rowCount === 1;
  }

  async list(room: string, { limit, before }: ListOptions): Promise<Entry[]> {
    const result = await this.#pool.query<{ message_id: string; room: string; author: string; text: string; posted_at: Date }>(
      `SELECT * FROM (
         SELECT message_id, room, author, text, posted_at FROM feed_entries
         WHERE room = $1 AND ($2::uuid IS NULL OR message_id < $2::uuid)
         ORDER BY message_id DESC LIMIT $3
       ) latest ORDER BY message_id`,
      [room, before ?? null, limit],
    );
    return result.rows.map((row) => ({
      messageId: row.message_id,
      room: row.room,
      author: row.author,
      text: row.text,
      postedAt: row.posted_at.toISOString(),
    }));
  }
}
