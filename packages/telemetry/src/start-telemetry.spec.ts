import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { startTelemetry } from './start-telemetry.js';

afterEach(() => {
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

describe('startTelemetry', () => {
  it('does nothing when OTEL_EXPORTER_OTLP_ENDPOINT is unset', () => {
    expect(startTelemetry('feed', {})).toBeUndefined();
    expect(trace.getTracer('x').startSpan('s').isRecording()).toBe(false);
  });

  it('exports spans of the named service over OTLP/HTTP to the endpoint', async () => {
    const received: { path: string; body: Buffer }[] = [];
    let onTraces: () => void = () => undefined;
    const tracesArrived = new Promise<void>((resolve) => (onTraces = resolve));
    const server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ path: request.url ?? '', body: Buffer.concat(chunks) });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        if (request.url === '/v1/traces') onTraces();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const telemetry = startTelemetry('feed', { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
      expect(telemetry).toBeDefined();
      const span = trace.getTracer('test').startSpan('publish chat.message-posted.v1');
      expect(span.isRecording()).toBe(true);
      span.end();
      await telemetry?.shutdown();
      await tracesArrived;
      const traces = received.find((r) => r.path === '/v1/traces');
      expect(traces?.body.toString('latin1')).toContain('publish chat.message-posted.v1');
      expect(traces?.body.toString('latin1')).toContain('feed');
    } finally {
      server.close();
    }
  });
});
