import { WharfError } from '../errors/wharf-error.js';

/** The environment variables a service reads, as given by `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The SDK's own settings of a running service, read from the environment with defaults. */
export interface ServiceSettings {
  /** Broker URLs tried in turn (`AMQP_URL`, comma-separated); `memory://` runs on the in-memory transport. */
  transportUrls: string[];
  /** Port of `/healthz` and `/readyz` (`HEALTH_PORT`); no health server when unset. */
  healthPort: number | undefined;
  /** Most messages handled at once per service instance (`WHARF_PREFETCH`). */
  prefetch: number;
  /** How long `stop()` waits for in-flight handlers (`WHARF_DRAIN_TIMEOUT_MS`). */
  drainTimeoutMs: number;
  /** How long a publish waits for the broker's confirm (`WHARF_PUBLISH_TIMEOUT_MS`). */
  publishTimeoutMs: number;
  /** How long `bus.request` waits for a reply (`WHARF_REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs: number;
  /** Queue type of the service queue (`WHARF_QUEUE_TYPE`: quorum or classic). */
  queueType: 'quorum' | 'classic';
  /** Largest message body accepted, in bytes (`WHARF_MAX_MESSAGE_BYTES`); larger ones are dead-lettered. */
  maxMessageBytes: number;
  /** pino level (`LOG_LEVEL`). */
  logLevel: string;
}

/** The broker a service uses when `AMQP_URL` is not set. */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

function invalid(variable: string, value: string, expected: string): WharfError {
  return new WharfError('CONFIG_INVALID', `${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`, {
    retryable: false,
    data: { variable, value },
  });
}

function integer(env: Environment, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(variable, raw, `a whole number from ${min} to ${max}`);
  }
  return value;
}

function oneOf<T extends string>(env: Environment, variable: string, fallback: T, values: readonly T[]): T {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw invalid(variable, raw, `one of ${values.join(', ')}`);
  return raw as T;
}

function urls(env: Environment): string[] {
  const raw = env['AMQP_URL'];
  if (raw === undefined || raw.trim() === '') return [DEFAULT_AMQP_URL];
  const list = raw.split(',').map((url) => url.trim()).filter(Boolean);
  for (const url of list) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw invalid('AMQP_URL', raw, 'URLs such as amqp://user:pass@host:5672');
  }
  return list;
}

/** Reads the SDK's settings from the environment; a bad value fails with CONFIG_INVALID naming the variable. */
export function readSettings(env: Environment): ServiceSettings {
  const healthRaw = env['HEALTH_PORT'];
  return {
    transportUrls: urls(env),
    healthPort: healthRaw === undefined || healthRaw === '' ? undefined : integer(env, 'HEALTH_PORT', 0, 0, 65_535),
    prefetch: integer(env, 'WHARF_PREFETCH', 32, 1, 10_000),
    drainTimeoutMs: integer(env, 'WHARF_DRAIN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    publishTimeoutMs: integer(env, 'WHARF_PUBLISH_TIMEOUT_MS', 10_000, 1, 3_600_000),
    requestTimeoutMs: integer(env, 'WHARF_REQUEST_TIMEOUT_MS', 5_000, 1, 3_600_000),
    queueType: oneOf(env, 'WHARF_QUEUE_TYPE', 'quorum', ['quorum', 'classic'] as const),
    maxMessageBytes: integer(env, 'WHARF_MAX_MESSAGE_BYTES', 1_048_576, 1_024, 134_217_728),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  };
}
