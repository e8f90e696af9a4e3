import type {
  CommandContract,
  Contract,
  EventContract,
  PayloadInput,
  QueryContract,
  Response,
} from '../contracts/contract.js';
import { validateNow } from '../contracts/validate.js';
import { WharfError, type WireError } from '../errors/wharf-error.js';
import { messageId } from '../ids/message-id.js';
import { COMMANDS_EXCHANGE, EVENTS_EXCHANGE } from '../transport/naming.js';
import type { Transport, TransportMessage } from '../transport/transport.js';
import type { MessagingTelemetry } from '../tracing/messaging-telemetry.js';
import type { Bus, PublishOptions, RequestOptions } from './bus.js';

// A message the bus builds: its headers are still open to the trace context, and its correlation id is set last.
type OutgoingMessage = { -readonly [K in keyof TransportMessage]: TransportMessage[K] } & { headers: Record<string, string> };

/** What a {@link MessageBus} needs from its service. */
export interface BusRuntime {
  readonly service: string;
  readonly transport: Transport;
  readonly telemetry: MessagingTelemetry;
  readonly publishTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** The reply body of a query: the response, or the error the handler raised. */
export type ReplyBody = { ok: true; data: unknown } | { ok: false; error: WireError };

/** Serializes, validates and traces outgoing messages, then hands them to the transport. */
export class MessageBus implements Bus {
  readonly #runtime: BusRuntime;
  readonly #correlationId: string | undefined;

  constructor(runtime: BusRuntime, correlationId?: string) {
    this.#runtime = runtime;
    this.#correlationId = correlationId;
  }

  /** A bus whose messages belong to the conversation `correlationId` (used for `ctx.bus`). */
  withCorrelation(correlationId: string): MessageBus {
    return new MessageBus(this.#runtime, correlationId);
  }

  publish<C extends EventContract>(event: C, payload: PayloadInput<C>, options: PublishOptions = {}): Promise<void> {
    return this.#publish(event, 'event', 'publish', EVENTS_EXCHANGE, payload, options);
  }

  send<C extends CommandContract>(command: C, payload: PayloadInput<C>, options: PublishOptions = {}): Promise<void> {
    return this.#publish(command, 'command', 'send', COMMANDS_EXCHANGE, payload, options);
  }

  async request<Q extends QueryContract>(
    query: Q,
    payload: PayloadInput<Q>,
    options: RequestOptions = {},
  ): Promise<Response<Q>> {
    this.#expectKind(query, 'query', 'request');
    const built = this.#build(query, payload, options);
    const message = built instanceof Promise ? await built : built;
    const reply = await this.#send(
      message,
      COMMANDS_EXCHANGE,
      options.timeoutMs ?? this.#runtime.requestTimeoutMs,
      (m, timeoutMs) => this.#runtime.transport.request(m, { timeoutMs }),
    );
    const body = decodeReply(reply, query.type);
    if (!body.ok) throw WharfError.fromWire(body.error);
    return validateNow(query.response, body.data, `The reply to ${query.type}`) as Response<Q> | Promise<Response<Q>>;
  }

  // Without an `async` frame: a publish is one promise, the transport's (with an OTel SDK, every promise also runs
  // its context manager's hooks). A bad contract or payload still rejects rather than throws.
  #publish(contract: Contract, kind: 'event' | 'command', verb: string, exchange: string, payload: unknown, options: PublishOptions): Promise<void> {
    try {
      this.#expectKind(contract, kind, verb);
      const timeoutMs = options.timeoutMs ?? this.#runtime.publishTimeoutMs;
      const deliver = (m: TransportMessage, ms: number) => this.#runtime.transport.publish(m, { timeoutMs: ms });
      const built = this.#build(contract, payload, options);
      if (built instanceof Promise) return built.then((message) => this.#send(message, exchange, timeoutMs, deliver));
      return this.#send(built, exchange, timeoutMs, deliver);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #expectKind(contract: Contract, kind: Contract['kind'], verb: string): void {
    if (contract?.kind !== kind) {
      throw new TypeError(`bus.${verb}() takes a ${kind} contract, got ${contract?.kind ?? typeof contract} ${contract?.type ?? ''}`);
    }
  }

  // Synchronous when the schema validates synchronously (zod does): a promise per message saved.
  #build(contract: Contract, payload: unknown, options: PublishOptions): OutgoingMessage | Promise<OutgoingMessage> {
    const value = validateNow(contract.schema, payload, `The ${contract.kind} ${contract.type}`);
    if (value instanceof Promise) return value.then((resolved) => this.#message(contract, resolved, options));
    return this.#message(contract, value, options);
  }

  #message(contract: Contract, value: unknown, options: PublishOptions): OutgoingMessage {
    // One clock reading for both: a UUIDv7 id carries the same ms timestamp, so the wire needs no header for it.
    const now = Date.now();
    const correlationId = options.correlationId ?? this.#correlationId;
    const message: OutgoingMessage = {
      id: options.messageId ?? messageId(now),
      kind: contract.kind,
      type: contract.type,
      body: Buffer.from(JSON.stringify(value)),
      // The first attempt carries no attempt header: its absence means 1.
      headers: { ...options.headers },
      appId: this.#runtime.service,
      timestamp: now,
    };
    if (correlationId !== undefined) message.correlationId = correlationId;
    return message;
  }

  #send<T>(
    message: OutgoingMessage,
    destination: string,
    timeoutMs: number,
    deliver: (message: TransportMessage, timeoutMs: number) => Promise<T>,
  ): Promise<T> {
    const info = {
      id: message.id,
      kind: message.kind,
      type: message.type,
      destination,
      correlationId: message.correlationId,
      bodySize: message.body.length,
    };
    return this.#runtime.telemetry.produce(info, message.headers, () => deliver(message, timeoutMs));
  }
}

function decodeReply(reply: TransportMessage, type: string): ReplyBody {
  try {
    const body = JSON.parse(reply.body.toString('utf8')) as ReplyBody;
    if (typeof body === 'object' && body !== null && typeof body.ok === 'boolean') return body;
  } catch {
    // Falls through to the error below.
  }
  throw new WharfError('MALFORMED_MESSAGE', `The reply to ${type} is not a Wharf reply`, { retryable: false });
}
