// The zero-setup demo: chat and feed in one process on the in-memory transport, for machines without RabbitMQ.
import { createService, InMemoryBroker, InMemoryTransport } from '@wharf/sdk';
import { chatService } from '../../apps/chat/src/chat.service.js';
import { feedService } from '../../apps/feed/src/feed.service.js';

const broker = new InMemoryBroker();
const env = (httpPort: string, healthPort: string) => ({ ...process.env, HTTP_PORT: httpPort, HEALTH_PORT: healthPort });
const feed = createService(feedService, { transport: new InMemoryTransport(broker), env: env(process.env['FEED_HTTP_PORT'] ?? '3001', process.env['FEED_HEALTH_PORT'] ?? '8082') });
const chat = createService(chatService, { transport: new InMemoryTransport(broker), env: env(process.env['CHAT_HTTP_PORT'] ?? '3000', process.env['CHAT_HEALTH_PORT'] ?? '8081') });

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await chat.stop();
  await feed.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

await feed.start();
await chat.start();
