import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess, eventually } from './support/app-process.js';
import { OtlpReceiver } from './support/otlp-receiver.js';
import { RabbitVhost } from './support/rabbitmq-vhost.js';

const vhost = new RabbitVhost();
const receiver = new OtlpReceiver();
let chat: AppProcess;
let feed: AppProcess;

beforeAll(async () => {
  await vhost.create();
  const endpoint = await receiver.start();
  const env = { AMQP_URL: vhost.url, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
  feed = await AppProcess.create('feed', env);
  chat = await AppProcess.create('chat', env);
  expect(await feed.runOnce('topology', 'apply')).toBe(0);
  await Promise.all([feed.start(), chat.start()]);
});

afterAll(async () => {
  await Promise.all([chat?.stop(), feed?.stop()]);
  await receiver.close();
  await vhost.delete();
});

describe('tracing across chat and feed', () => {
  it('makes one trace of the HTTP request in chat, its publish and the handling in feed', async () => {
    const response = await fetch(`${chat.url}/rooms/traced/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'e2e', text: 'follow me' }),
    });
    expect(response.status).toBe(202);
    const find = (service: string, name: string) => receiver.spans.find((s) => s.service === service && s.name === name);
    const names = [
      ['chat', 'POST /rooms/:room/messages'],
      ['chat', 'publish chat.message-posted.v1'],
      ['feed', 'process chat.message-posted.v1'],
    ] as const;
    await eventually('spans from chat and feed', async () => names.every(([service, name]) => find(service, name)));

    const request = find('chat', 'POST /rooms/:room/messages');
    const publish = find('chat', 'publish chat.message-posted.v1');
    const process = find('feed', 'process chat.message-posted.v1');
    expect(request && publish && process).toBeTruthy();
    expect(new Set([request?.traceId, publish?.traceId, process?.traceId]).size).toBe(1);
    expect(publish?.parentSpanId).toBe(request?.spanId);
    expect(process?.parentSpanId).toBe(publish?.spanId);
    // SERVER = 2, PRODUCER = 4, CONSUMER = 5 in OTLP's SpanKind numbering.
    expect([request?.kind, publish?.kind, process?.kind]).toEqual([2, 4, 5]);
    expect([request?.status, publish?.status, process?.status]).not.toContain(2);
  });
});
