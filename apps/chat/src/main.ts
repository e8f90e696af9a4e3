import { amqpTransport } from '@wharf/amqp';
import { runService } from '@wharf/sdk';
import { startTelemetry } from '@wharf/telemetry';
import { chatService } from './chat.service.js';

const telemetry = startTelemetry('chat');
await runService(chatService, { transports: [amqpTransport], beforeExit: () => telemetry?.shutdown() });
