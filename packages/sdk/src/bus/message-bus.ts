import type {
  CommandContract,
  Contract,
  EventContract,
  PayloadInput,
  QueryContract,
  Response,
} from '../contracts/contract.js';
import { validate, validateNow } from '../contracts/validate.js';
import { WharfError, type WireError } from '../errors/wharf-error.js';
import { messageId } from '../ids/message-id.js';
import { COMMANDS_EXCHANGE, EVENTS_EXCHANGE } from '../transport/naming.js';
import type { Transport, TransportMessage } from '../transport/transport.js';
import type { MessagingTelemetry } from '../tracing/messaging-telemetry.js';
import type { Bus, PublishOptions, RequestOptions } from './bus.js';

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

  async publish<C extends EventContract>(event: C, payload: PayloadInput<C>, options: PublishOptions = {}): Promise<void> {
    this.#expectKind(event, 'event', 'publish');
    const message = await this.#build(event, payload, options);
    await this.#send(message, EVENTS_EXCHANGE, options.timeoutMs ?? this.#runtime.publishTimeoutMs, (m, timeoutMs) =>
      this.#runtime.transport.publish(m, { timeoutMs }),
    );
  }

  async send<C extends CommandContract>(command: C, payload: PayloadInput<C>, options: PublishOptions = {}): Promise<void> {
    this.#expectKind(command, 'command', 'send');
    const message = await this.#build(command, payload, options);
    await this.#send(message, COMMANDS_EXCHANGE, options.timeoutMs ?? this.#runtime.publishTimeoutMs, (m, timeoutMs) =>
      this.#runtime.transport.publish(m, { timeoutMs }),
    );
  }

  async request<Q extends QueryContract>(
    query: Q,
    payload: PayloadInput<Q>,
    options: RequestOptions = {},
  ): Promise<Response<Q>> {
    this.#expectKind(query, 'query', 'request');
    const message = await this.#build(query, payload, options);
    const reply = await this.#send(
      message,
      COMMANDS_EXCHANGE,
      options.timeoutMs ?? this.#runtime.requestTimeoutMs,
      (m, timeoutMs) => this.#runtime.transport.request(m, { timeoutMs }),
    );
    const body = decodeReply(reply, query.type);
    if (!body.ok) throw WharfError.fromWire(body.error);
    return validate(query.response, body.data, `The reply to ${query.type}`) as Promise<Response<Q>>;
  }

  #expectKind(contract: Contract, kind: Contract['kind'], verb: string): void {
    if (contract?.kind !== kind) {
      throw new TypeError(`bus.${verb}() takes a ${kind} contract, got ${contract?.kind ?? typeof contract} ${contract?.type ?? ''}`);
    }
  }

  async #build(contract: Contract, payload: unknown, options: PublishOptions): Promise<Omit<TransportMessage, 'headers'> & { headers: Record<string, string> }> {
    let value = validateNow(contract.schema, payload, `The ${contract.kind} ${contract.type}`);
    if (value instanceof Promise) value = await value;
    // One clock reading for both: a UUIDv7 id carries the same ms timestamp, so the wire needs no header for it.
    const now = Date.now();
    const id = options.messageId ?? messageId(now);
    const correlationId = options.correlationId ?? this.#correlationId;
    return {
      id,
      kind: contract.kind,
      type: contract.type,
      body: Buffer.from(JSON.stringify(value)),
      // The first attempt carries no attempt header: its absence means 1.
      headers: { ...options.headers },
      appId: this.#runtime.service,
      timestamp: now,
      ...(correlationId === undefined ? {} : { correlationId }),
    };
  }

  #send<T>(
    message: Omit<TransportMessage, 'headers'> & { headers: Record<string, string> },
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
