import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);

/** The broker the integration tests run against. */
export const BROKER = process.env['WHARF_TEST_BROKER'] ?? '127.0.0.1:5672';

/** Runs `rabbitmqctl` with `args` and returns its output. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['--quiet', ...args], { timeout: 30_000 });
  return stdout;
}

/** A vhost of its own for one test file, on the real broker, and a raw amqplib connection into it. */
export interface TestVhost {
  readonly name: string;
  readonly url: string;
  /** Closes every client connection of this vhost from the broker side (a forced connection loss). */
  closeConnections(reason?: string): Promise<void>;
  /** A plain amqplib channel, for what a test checks or injects behind the transport's back. */
  channel(): Promise<Channel>;
  /** Closes the raw connection and deletes the vhost with everything in it. */
  remove(): Promise<void>;
}

/**
 * Creates a fresh vhost with permissions for guest. Each test file gets one, so files run in parallel
 * without seeing each other's queues, and a forced disconnect hits only its own connections.
 */
export async function createTestVhost(prefix: string): Promise<TestVhost> {
  const name = `wharf-test-${prefix}-${randomUUID().slice(0, 8)}`;
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  const url = `amqp://guest:guest@${BROKER}/${encodeURIComponent(name)}`;
  let raw: ChannelModel | undefined;
  return {
    name,
    url,
    // `-p` limits the closing to this vhost: the other test files running now keep their connections.
    closeConnections: async (reason = 'test') => {
      await rabbitmqctl('close_all_connections', '-p', name, reason);
    },
    channel: async () => {
      raw ??= await connect(url);
      raw.on('error', () => undefined);
      const channel = await raw.createChannel();
      channel.on('error', () => undefined);
      return channel;
    },
    remove: async () => {
      await raw?.close().catch(() => undefined);
      await rabbitmqctl('delete_vhost', name);
    },
  };
}

/**
 * The vhost of one test file: created before its tests, deleted after them (vitest hooks, so call it at the top
 * of the file). Its properties are read once the tests run.
 */
export function useTestVhost(prefix: string): TestVhost {
  let created: TestVhost | undefined;
  beforeAll(async () => {
    created = await createTestVhost(prefix);
  });
  afterAll(async () => {
    await created?.remove();
  });
  const current = (): TestVhost => {
    if (!created) throw new Error(`The test vhost ${prefix} exists only while the file's tests run`);
    return created;
  };
  return {
    get name() {
      return current().name;
    },
    get url() {
      return current().url;
    },
    closeConnections: (reason) => current().closeConnections(reason),
    channel: () => current().channel(),
    remove: () => current().remove(),
  };
}
