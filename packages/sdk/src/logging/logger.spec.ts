import { context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'svc', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

/** Runs `fn` with a span of `spanContext` active, as a handler runs inside its consumer span. */
const inSpan = (spanContext: SpanContext, fn: () => void) => context.with(trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(spanContext)), fn);

const traced: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };

describe('createLogger', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
  });

  it('adds the trace_id and span_id of the active span to every line, also of child loggers', () => {
    const { logger, lines } = capture();
    inSpan(traced, () => {
      logger.info('from the service logger');
      logger.child({ handler: 'H' }).warn('from a handler logger');
    });
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'from the service logger', service: 'svc', trace_id: traced.traceId, span_id: traced.spanId }),
      expect.objectContaining({ msg: 'from a handler logger', handler: 'H', trace_id: traced.traceId, span_id: traced.spanId }),
    ]);
  });

  it('adds no ids outside a span', () => {
    const { logger, lines } = capture();
    logger.info('idle');
    expect(lines[0]).not.toHaveProperty('trace_id');
  });

  it('adds no ids for the all-zero context of a span made without a tracer provider', () => {
    const { logger, lines } = capture();
    inSpan(INVALID_SPAN_CONTEXT, () => logger.info('untraced'));
    expect(lines[0]).toMatchObject({ msg: 'untraced' });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });
});
