import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, eventually } from './support/app-process.js';
import { PostgresDatabase } from './support/postgres-database.js';
import { RabbitVhost } from './support/rabbitmq-vhost.js';

interface FeedAnswer {
  room: string;
  entries: { messageId: string; text: string }[];
}

const vhost = new RabbitVhost();
const database = new PostgresDatabase();
let chat: AppProcess;
let feed: AppProcess;

async function post(room: string, text: string): Promise<{ status: number; messageId?: string }> {
  const response = await fetch(`${chat.url}/rooms/${room}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ author: 'e2e', text }),
  });
  return { status: response.status, ...((await response.json()) as { messageId?: string }) };
}

async function feedOf(base: string, room: string, limit = 1_000): Promise<FeedAnswer> {
  return (await (await fetch(`${base}/rooms/${room}/feed?limit=${limit}`)).json()) as FeedAnswer;
}

async function newFeed(): Promise<AppProcess> {
  return AppProcess.create('feed', { AMQP_URL: vhost.url, DATABASE_URL: database.url, WHARF_DRAIN_TIMEOUT_MS: '10000' });
}

beforeAll(async () => {
  await Promise.all([vhost.create(), database.create()]);
  feed = await newFeed();
  chat = await AppProcess.create('chat', { AMQP_URL: vhost.url });
  // Topology before traffic: both services' queues and bindings exist before anyone publishes.
  expect(await feed.runOnce('topology', 'apply')).toBe(0);
  expect(await chat.runOnce('topology', 'apply')).toBe(0);
  await chat.start();
  await feed.start();
});

afterAll(async () => {
  await Promise.all([chat?.stop(), feed?.stop()]);
  await Promise.all([vhost.delete(), database.drop()]);
});

describe('chat and feed as separate processes over RabbitMQ', () => {
  it('serves all 200 posted messages in order, through feed and through chat alike', async () => {
    const texts = Array.from({ length: 200 }, (_, i) => `message ${i}`);
    for (const text of texts) expect((await post('ordered', text)).status).toBe(202);
    await eventually('feed to hold 200 messages', async () => (await feedOf(feed.url, 'ordered')).entries.length === 200);
    const direct = await feedOf(feed.url, 'ordered');
    expect(direct.entries.map((e) => e.text)).toEqual(texts);
    expect(await feedOf(chat.url, 'ordered')).toEqual(direct);
  });

  it('keeps feed ready and serving reads while chat is stopped', async () => {
    await post('quiet', 'before the stop');
    await eventually('the message in the feed', async () => (await feedOf(feed.url, 'quiet')).entries.length === 1);
    expect(await chat.stop()).toBe(0);
    expect(await feed.ready()).toBe(200);
    expect((await feedOf(feed.url, 'quiet')).entries.map((e) => e.text)).toEqual(['before the stop']);
    await chat.start();
  });

  it('loses nothing and stores nothing twice across a rolling redeploy of feed', async () => {
    const statuses: number[] = [];
    const ids: string[] = [];
    const posting = (async () => {
      for (let i = 0; i < 1_000; i += 1) {
        const { status, messageId } = await post('redeploy', `m${i}`);
        statuses.push(status);
        if (messageId) ids.push(messageId);
        await new Promise((r) => setTimeout(r, 2)); // A steady client rate, not a synchronisation point.
      }
    })();
    await eventually('some traffic before the redeploy', async () => statuses.length >= 250);
    expect(await feed.stop('SIGTERM')).toBe(0);
    feed = await newFeed();
    await feed.start();
    await posting;
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    await eventually('all 1,000 in the feed', async () => (await feedOf(feed.url, 'redeploy')).entries.length === 1_000, 60_000);
    expect(new Set((await feedOf(feed.url, 'redeploy')).entries.map((e) => e.messageId))).toEqual(new Set(ids));
    expect(await database.feedRows('redeploy')).toHaveLength(1_000);
  });

  it('recovers every message after feed is killed with SIGKILL mid-stream', async () => {
    const ids: string[] = [];
    const posting = (async () => {
      for (let i = 0; i < 500; i += 1) {
        const { messageId } = await post('killed', `k${i}`);
        if (messageId) ids.push(messageId);
      }
    })();
    await eventually('some messages handled before the kill', async () => (await feedOf(feed.url, 'killed')).entries.length >= 100);
    expect(await feed.stop('SIGKILL')).toBe('SIGKILL');
    await posting;
    feed = await newFeed();
    await feed.start();
    await eventually('all 500 in the feed', async () => (await feedOf(feed.url, 'killed')).entries.length === 500, 60_000);
    expect(new Set((await feedOf(feed.url, 'killed')).entries.map((e) => e.messageId))).toEqual(new Set(ids));
    expect(await database.feedRows('killed')).toHaveLength(500);
  });
});
