import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** A started OpenTelemetry SDK; `shutdown` flushes what is buffered. */
export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK (traces and metrics over OTLP/HTTP, W3C propagation, async context) when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and nothing otherwise. Call it before `runService`; the exporters read
 * the standard `OTEL_*` variables.
 */
export function startTelemetry(serviceName: string, env: Readonly<Record<string, string | undefined>> = process.env): Telemetry | undefined {
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.replace(/\/+$/, '');
  if (!endpoint) return undefined;
  // Signal paths as the OTLP/HTTP spec sets them, unless a per-signal endpoint is given.
  const tracesUrl = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? `${endpoint}/v1/traces`;
  const metricsUrl = env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'] ?? `${endpoint}/v1/metrics`;
  const resource = resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] ?? serviceName });
  const tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl }))],
  });
  tracerProvider.register();
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: metricsUrl }) })],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    shutdown: async () => {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
