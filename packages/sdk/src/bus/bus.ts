import type { CommandContract, EventContract, PayloadInput, QueryContract, Response } from '../contracts/contract.js';

/** Options of `publish` and `send`. */
export interface PublishOptions {
  /** The message id; a new time-ordered id by default. Reuse one to make a retried publish idempotent. */
  messageId?: string;
  /** Ties messages of one conversation together; inside a handler it defaults to the handled message's. */
  correlationId?: string;
  /** Extra headers (string values). */
  headers?: Record<string, string>;
  /** How long to wait for the broker's confirm. */
  timeoutMs?: number;
}

/** Options of `request`. */
export interface RequestOptions extends PublishOptions {
  /** How long to wait for the reply; REQUEST_TIMEOUT after that. */
  timeoutMs?: number;
}

/** What handlers and app code use to talk to other services; every payload is validated before it leaves. */
export interface Bus {
  /** Publishes an event; resolves when the broker has confirmed it. */
  publish<C extends EventContract>(event: C, payload: PayloadInput<C>, options?: PublishOptions): Promise<void>;
  /** Sends a command to the service that owns it; resolves when the broker has confirmed it. */
  send<C extends CommandContract>(command: C, payload: PayloadInput<C>, options?: PublishOptions): Promise<void>;
  /** Asks the service that owns a query and resolves with its validated response. */
  request<Q extends QueryContract>(query: Q, payload: PayloadInput<Q>, options?: RequestOptions): Promise<Response<Q>>;
}
/** DI token of the service's {@link Bus}. */
export const Bus = Symbol.for('@wharf/sdk/Bus');
