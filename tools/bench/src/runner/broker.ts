import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel } from 'amqplib';

const run = promisify(execFile);

/** Runs `rabbitmqctl` with `args` and returns its standard output. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 60_000 });
  return stdout;
}

/** The broker's version as `rabbitmqctl version` prints it. */
export async function rabbitmqVersion(): Promise<string> {
  return (await rabbitmqctl('version')).trim();
}

/**
 * A virtual host made for one benchmark run, so that the run sees no other queue and leaves nothing behind:
 * `delete()` removes it with every queue and exchange in it.
 */
export class BenchVhost {
  readonly name: string;
  /** The AMQP URL of the vhost. */
  readonly url: string;
  readonly #model: ChannelModel;
  readonly #channel: Channel;

  private constructor(name: string, url: string, model: ChannelModel, channel: Channel) {
    this.name = name;
    this.url = url;
    this.#model = model;
    this.#channel = channel;
  }

  /** Adds the vhost, grants `user` everything on it and connects to it (for deleting queues between rounds). */
  static async create(brokerUrl: string, name: string): Promise<BenchVhost> {
    const base = new URL(brokerUrl);
    await rabbitmqctl('add_vhost', name);
    try {
      await rabbitmqctl(
        'set_permissions',
        '-p',
        name,
        decodeURIComponent(base.username) || 'guest',
        '.*',
        '.*',
        '.*',
      );
      base.pathname = `/${encodeURIComponent(name)}`;
      const url = base.toString();
      const model = await connect(url);
      const channel = await model.createChannel();
      return new BenchVhost(name, url, model, channel);
    } catch (error) {
      await rabbitmqctl('delete_vhost', name).catch(() => undefined);
      throw error;
    }
  }

  /** Deletes queues of a finished round, so that later rounds do not route to them or share the broker's memory. */
  async deleteQueues(names: readonly string[]): Promise<void> {
    for (const name of names) await this.#channel.deleteQueue(name);
  }

  /** Disconnects and deletes the vhost with everything in it. */
  async delete(): Promise<void> {
    await this.#model.close().catch(() => undefined);
    await rabbitmqctl('delete_vhost', this.name);
  }
}
