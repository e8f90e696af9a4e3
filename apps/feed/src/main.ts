import { amqpTransport } from '@wharf/amqp';
import { runService } from '@wharf/sdk';
import { startTelemetry } from '@wharf/telemetry';
import { feedService } from './feed.service.js';

const telemetry = startTelemetry('feed');
await runService(feedService, { transports: [amqpTransport], beforeExit: () => telemetry?.shutdown() });
