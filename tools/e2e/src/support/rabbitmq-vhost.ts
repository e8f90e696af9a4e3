import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A RabbitMQ virtual host of its own for one test file, removed afterwards. */
export class RabbitVhost {
  readonly name = `e2e-${randomUUID().slice(0, 8)}`;

  /** The AMQP URL of this vhost on the local broker. */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:5672/${this.name}`;
  }

  async create(): Promise<void> {
    await run('rabbitmqctl', ['-q', 'add_vhost', this.name]);
    await run('rabbitmqctl', ['-q', 'set_permissions', '-p', this.name, 'guest', '.*', '.*', '.*']);
  }

  async delete(): Promise<void> {
    await run('rabbitmqctl', ['-q', 'delete_vhost', this.name]);
  }
}
