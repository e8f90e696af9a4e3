import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The structured logger every service and handler gets: pino, JSON lines. */
export type Logger = PinoLogger;
/** DI token of the service's {@link Logger}. */
export const Logger = Symbol.for('@wharf/sdk/Logger');

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; standard output by default. */
  destination?: DestinationStream;
}

/** A JSON logger for a service; lines written inside a traced handler carry `trace_id` and `span_id`. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      // Reads the active span at write time so every line in a handler joins its trace.
      mixin() {
        const spanContext = trace.getActiveSpan()?.spanContext();
        // Without a tracer provider the active span is the API's no-op one, with all-zero ids: no trace to join.
        if (!spanContext || !isSpanContextValid(spanContext)) return {};
        return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
      },
    },
    options.destination,
  );
}
