import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** The parts of an HTTP request a SERVER span needs. */
export interface TracedHttpRequest {
  readonly method: string;
  /** The route template, e.g. `/rooms/:room/messages` (not the raw path, to keep span names few). */
  readonly route: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Runs an HTTP handler inside a SERVER span `<METHOD> <route>` that continues the caller's trace
 * (W3C `traceparent` header), so messages the handler publishes join the request's trace. `statusOf` reads
 * the response status from the handler's result, for the span.
 */
export async function traceHttpRequest<T>(
  request: TracedHttpRequest,
  handle: () => Promise<T>,
  statusOf: (result: T) => number,
): Promise<T> {
  const parent = propagation.extract(context.active(), request.headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => carrier[key],
  });
  const span = trace.getTracer('@wharf/sdk').startSpan(
    `${request.method} ${request.route}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': request.route } },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), handle);
    const status = statusOf(result);
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return result;
  } catch (error) {
    span.recordException(error instanceof Error ? error : new Error(String(error)));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
