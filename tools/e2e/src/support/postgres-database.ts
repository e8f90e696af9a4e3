import { randomUUID } from 'node:crypto';
import pg from 'pg';

const admin = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A PostgreSQL database of its own for one test file, dropped afterwards. */
export class PostgresDatabase {
  readonly name = `e2e_${randomUUID().slice(0, 8)}`;

  /** The URL feed's `DATABASE_URL` takes. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:5432/${this.name}`;
  }

  async create(): Promise<void> {
    await this.#admin(`CREATE DATABASE ${this.name}`);
  }

  async drop(): Promise<void> {
    await this.#admin(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }

  /** Rows of feed's table for a room, straight from the database. */
  async feedRows(room: string): Promise<{ message_id: string }[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query<{ message_id: string }>('SELECT message_id FROM feed_entries WHERE room = $1', [room])).rows;
    } finally {
      await client.end();
    }
  }

  async #admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}
