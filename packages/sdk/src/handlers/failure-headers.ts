import type { WharfError } from '../errors/wharf-error.js';
import type { TransportMessage } from '../transport/transport.js';

const H = {
  code: 'x-wharf-error-code',
  message: 'x-wharf-error-message',
  retryable: 'x-wharf-error-retryable',
  data: 'x-wharf-error-data',
  service: 'x-wharf-service',
  handler: 'x-wharf-handler',
  attempts: 'x-wharf-attempts',
  firstFailure: 'x-wharf-first-failure-at',
  lastFailure: 'x-wharf-last-failure-at',
} as const;

/**
 * The headers a retry or dead-letter copy carries: the message's own, plus why and where it failed, after how many
 * attempts, and when it first and last failed (docs/amqp.md lists them).
 */
export function failureHeaders(
  message: TransportMessage,
  error: WharfError,
  attempt: number,
  service: string,
  handler?: string,
): Record<string, string> {
  const now = new Date().toISOString();
  const headers: Record<string, string> = {
    ...message.headers,
    [H.code]: error.code,
    [H.message]: error.message.slice(0, 1_000),
    [H.retryable]: String(error.retryable),
    [H.service]: service,
    [H.attempts]: String(attempt),
    [H.firstFailure]: message.headers[H.firstFailure] ?? now,
    [H.lastFailure]: now,
  };
  if (handler !== undefined) headers[H.handler] = handler;
  if (error.data !== undefined) headers[H.data] = JSON.stringify(error.data).slice(0, 4_000);
  return headers;
}
