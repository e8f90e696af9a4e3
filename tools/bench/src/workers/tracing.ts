import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
// Registers the global tracer provider, the AsyncLocalStorage context manager and the W3C propagators.
provider.register();

/** Spans the exporter has received so far (the batch processor hands them over every 5 s or 512 spans). */
export async function exportedSpans(): Promise<number> {
  await provider.forceFlush();
  return exporter.getFinishedSpans().length;
}
