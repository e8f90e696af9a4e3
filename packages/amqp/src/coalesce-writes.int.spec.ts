import type { Socket } from 'node:net';
import { connect, type ChannelModel } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { coalesceWrites } from './coalesce-writes.js';
import { useTestVhost } from './testing/test-broker.js';
import { deferred, until, within } from './testing/wait.js';

const vhost = useTestVhost('coalesce');

/** Counts the system-call-level writes (`_write` and `_writev`) of the connection's socket. */
function countWrites(model: ChannelModel): { readonly count: number } {
  const socket = (model.connection as unknown as { stream: Socket }).stream;
  const counter = { count: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method] as (...args: unknown[]) => void;
    (socket as unknown as Record<string, unknown>)[method] = function counted(this: Socket, ...args: unknown[]) {
      counter.count += 1;
      return original.apply(this, args);
    };
  }
  return counter;
}

/** Publishes `count` messages in one turn of the event loop, consumes and acks them all; returns the writes. */
async function roundTrip(coalesce: boolean, queue: string, count: number): Promise<number> {
  const model = await connect(vhost.url, { noDelay: true });
  try {
    if (coalesce) expect(coalesceWrites(model)).toBe(true);
    const channel = await model.createChannel();
    await channel.assertQueue(queue, { durable: false });
    await channel.prefetch(count);
    const writes = countWrites(model);
    for (let i = 0; i < count; i += 1) channel.sendToQueue(queue, Buffer.from(JSON.stringify({ i })));
    const inspect = await vhost.channel();
    await until(`${count} messages in ${queue}`, async () => (await inspect.checkQueue(queue)).messageCount === count);
    const acked = deferred();
    let received = 0;
    await channel.consume(queue, (message) => {
      if (!message) return;
      channel.ack(message);
      received += 1;
      if (received === count) acked.resolve();
    });
    await within(`${count} deliveries`, acked.promise);
    const written = writes.count;
    // Closing the channel would put back any message whose ack did not reach the broker.
    await channel.close();
    expect((await inspect.checkQueue(queue)).messageCount).toBe(0);
    await inspect.deleteQueue(queue);
    return written;
  } finally {
    await model.close();
  }
}

describe('coalesceWrites', () => {
  it('sends the frames of one multiplexer pass in one write, and every publish and ack still arrives', async () => {
    const plain = await roundTrip(false, 'coalesce.plain', 500);
    const coalesced = await roundTrip(true, 'coalesce.corked', 500);
    // About one write per publish and per ack without it (Node joins only what queues behind a busy socket);
    // a few per burst with it.
    expect(coalesced).toBeLessThan(50);
    expect(coalesced * 10).toBeLessThan(plain);
  });
});
