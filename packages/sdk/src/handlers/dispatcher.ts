import { context, type Span } from '@opentelemetry/api';
import type { Contract } from '../contracts/contract.js';
import { validateNow } from '../contracts/validate.js';
import { WharfError, type ErrorCode } from '../errors/wharf-error.js';
import { messageId } from '../ids/message-id.js';
import type { MessageBus, ReplyBody } from '../bus/message-bus.js';
import { InMemoryInbox, type Inbox } from '../inbox/inbox.js';
import type { Logger } from '../logging/logger.js';
import type { ServiceInfo } from '../service/service-info.js';
import type { ConsumeScope, MessagingTelemetry } from '../tracing/messaging-telemetry.js';
import { ATTEMPT_HEADER } from '../transport/naming.js';
import { SETTLED, type Delivery, type Transport, type TransportMessage } from '../transport/transport.js';
import { DeliveryContext } from './delivery-context.js';
import { failureHeaders } from './failure-headers.js';
import type { MessageContext } from './message-context.js';
import { retryDelay, type RetryPolicy } from './retry-policy.js';

/** A handler ready to be called: its contract, instance and retry policy. */
export interface Route {
  readonly contract: Contract;
  readonly name: string;
  readonly policy: RetryPolicy;
  readonly handle: (payload: unknown, ctx: MessageContext) => unknown;
}

/** What happened to a delivery, for observers (tests, metrics, logs). */
export interface DispatchEvent {
  readonly outcome: 'handled' | 'retrying' | 'dead-lettered' | 'released';
  readonly message: TransportMessage;
  readonly attempt: number;
  readonly handler?: string;
  readonly error?: WharfError;
}

/** What a {@link Dispatcher} needs from its service. */
export interface DispatcherRuntime {
  readonly service: ServiceInfo;
  readonly queue: string;
  readonly transport: Transport;
  readonly bus: MessageBus;
  readonly inbox: Inbox;
  readonly logger: Logger;
  readonly telemetry: MessagingTelemetry;
  readonly maxMessageBytes: number;
  readonly publishTimeoutMs: number;
  /** Hears of every settled delivery; must not throw (the service isolates its listeners). */
  readonly observe: (event: DispatchEvent) => void;
}

/** A body decoded before the general path took the delivery over: its payload, or why it could not be. */
type Decoded = { readonly payload: unknown } | { readonly error: unknown };

function never(code: ErrorCode, message: string, data?: unknown): WharfError {
  return new WharfError(code, message, { retryable: false, data });
}

/**
 * Turns deliveries into handler calls and settles each exactly once: ack on success, retry with backoff on a
 * retryable failure, dead-letter with the reason when a message can never succeed or has used its attempts.
 */
export class Dispatcher {
  readonly #runtime: DispatcherRuntime;
  readonly #routes: ReadonlyMap<string, readonly Route[]>;
  // Keys being handled now, with who waits for them (a second copy of the same message).
  readonly #claims = new Map<string, Array<() => void> | undefined>();
  readonly #names = new Map<string, string>();
  // "The event orders.order-placed.v1", for validation errors, built once per type rather than per message.
  readonly #labels = new Map<string, string>();
  // The in-memory inbox answers at once; an inbox of the app's own (a database) goes through the general path.
  readonly #syncInbox: boolean;
  readonly #idleWaiters: Array<() => void> = [];
  #active = 0;
  #draining = false;

  constructor(runtime: DispatcherRuntime, routes: ReadonlyMap<string, readonly Route[]>) {
    this.#runtime = runtime;
    this.#routes = routes;
    for (const [type, list] of routes) {
      this.#names.set(type, list.map((route) => route.name).join(','));
      const contract = (list[0] as Route | undefined)?.contract;
      if (contract) this.#labels.set(type, `The ${contract.kind} ${contract.type}`);
    }
    this.#syncInbox = runtime.inbox instanceof InMemoryInbox;
  }

  #waitFor(key: string, wake: () => void): void {
    const waiters = this.#claims.get(key) ?? [];
    waiters.push(wake);
    this.#claims.set(key, waiters);
  }

  /** How many deliveries are being processed now. */
  get inFlight(): number {
    return this.#active;
  }

  /** The function to give `Transport.consume`. Its promise never rejects: a failure to settle is logged. */
  readonly onDelivery = (delivery: Delivery): Promise<void> => {
    if (this.#draining) return this.#settle(delivery, 'released', 1, delivery.release());
    this.#active += 1;
    const { message } = delivery;
    let attempt = 1;
    try {
      const header = message.headers[ATTEMPT_HEADER];
      if (header !== undefined) attempt = Math.max(1, Number.parseInt(header, 10) || 1);
      const routes = this.#routes.get(message.type);
      if (message.body.length > this.#runtime.maxMessageBytes) {
        const error = never('MESSAGE_TOO_LARGE', `${message.type} body of ${message.body.length} bytes exceeds ${this.#runtime.maxMessageBytes}`);
        return this.#refuse(delivery, attempt, error);
      }
      if (!routes || routes.length === 0) {
        const error = never('NO_HANDLER', `${this.#runtime.service.name} has no handler for ${message.type || '(no type)'}`);
        return this.#refuse(delivery, attempt, error);
      }
      const scope = this.#runtime.telemetry.startConsume(message, this.#runtime.queue, attempt);
      const route = routes[0] as Route;
      // A query has one handler and no inbox; other messages take the synchronous path under #fast's conditions.
      const fast =
        route.contract.kind === 'query'
          ? this.#fastAnswer
          : routes.length === 1 && this.#syncInbox && !this.#claims.has(message.id)
            ? this.#fast
            : undefined;
      // Handlers run in the CONSUMER span's context when something records it (an OTel SDK).
      if (scope.context !== undefined) {
        if (fast) return context.with(scope.context, fast, this, delivery, attempt, route, routes, scope);
        return context.with(scope.context, this.#run, this, delivery, attempt, routes, scope);
      }
      if (fast) return fast.call(this, delivery, attempt, route, routes, scope);
      return this.#run(delivery, attempt, routes, scope);
    } catch (error) {
      this.#done(delivery, attempt, error);
      return SETTLED;
    }
  };

  /** Stops starting handlers (later deliveries go back to the queue) and waits for running ones, up to `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.#draining = true;
    if (this.#active === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idleWaiters.push(() => resolve(true));
    });
    clearTimeout(timer);
    return drained;
  }

  // A delivery that no handler can take: dead-lettered without a span.
  async #refuse(delivery: Delivery, attempt: number, error: WharfError): Promise<void> {
    let failure: unknown;
    try {
      await this.#reject(delivery, attempt, error);
    } catch (thrown) {
      failure = thrown;
    }
    this.#done(delivery, attempt, failure);
  }

  // One delivery less in flight. `failure` is what kept it from being settled: the transport has put the message
  // back on its queue (or the broker did, with the channel), so observers hear of it as released.
  #done(delivery: Delivery, attempt: number, failure: unknown): void {
    if (failure !== undefined) {
      const error = WharfError.from(failure);
      this.#runtime.logger.error({ err: error, messageId: delivery.message.id }, 'could not settle a delivery');
      this.#observe(delivery, 'released', attempt, undefined, error);
    }
    this.#active -= 1;
    if (this.#active === 0 && this.#idleWaiters.length > 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  // Validates the body, runs the handlers (or the query's one) and settles the delivery, inside its CONSUMER
  // span; then counts it done, whatever happened.
  async #run(delivery: Delivery, attempt: number, routes: readonly Route[], scope: ConsumeScope, decoded?: Decoded): Promise<void> {
    let failure: unknown;
    const { span } = scope;
    try {
      const { message } = delivery;
      const contract = (routes[0] as Route).contract;
      let payload: unknown;
      try {
        if (decoded && 'error' in decoded) throw decoded.error;
        payload = decoded ? decoded.payload : this.#decode(message, contract);
        if (payload instanceof Promise) payload = await payload;
      } catch (error) {
        const reason = WharfError.is(error) ? error : never('MALFORMED_MESSAGE', `${message.type} body is not JSON: ${(error as Error).message}`);
        this.#runtime.telemetry.failed(span, reason);
        return await this.#reject(delivery, attempt, reason);
      }
      if (contract.kind === 'query') return await this.#answer(delivery, attempt, routes[0] as Route, payload, span);
      const { id } = message;
      // Two copies of one message can arrive at once (a publish re-sent after a lost confirm): the second waits
      // for the first, then finds it in the inbox.
      while (this.#claims.has(id)) await new Promise<void>((resolve) => this.#waitFor(id, resolve));
      this.#claims.set(id, undefined);
      try {
        for (const route of routes) {
          try {
            const seen = this.#runtime.inbox.has(route.name, id);
            if (seen === true || (seen instanceof Promise && (await seen))) continue;
            const handled = route.handle(payload, new DeliveryContext(message, attempt, delivery.redelivered, route.name, this.#runtime));
            // Any thenable is awaited (not only native promises): settling before it resolves would lose the message.
            if (typeof (handled as PromiseLike<unknown> | undefined)?.then === 'function') await handled;
            const added = this.#runtime.inbox.add(route.name, id);
            if (added instanceof Promise) await added;
          } catch (thrown) {
            return await this.#handlerFailed(delivery, attempt, route, span, thrown);
          }
        }
        await delivery.ack();
        this.#observe(delivery, 'handled', attempt, this.#names.get(message.type));
      } finally {
        this.#release(id);
      }
    } catch (thrown) {
      failure = thrown;
    } finally {
      this.#finish(delivery, attempt, scope, failure);
    }
  }

  /**
   * The common case without an `async` frame: one handler, a body that validates synchronously, the in-memory
   * inbox and no other copy of the message in flight (traced or not). Measured in the consumer benchmark, the
   * general path's frames, awaits and ticks cost more than validating the message, and with an OTel SDK every
   * promise also runs the context manager's async hooks. Anything else goes to the general path, with the body
   * already decoded.
   */
  #fast(delivery: Delivery, attempt: number, route: Route, routes: readonly Route[], scope: ConsumeScope): Promise<void> {
    const { message } = delivery;
    let payload: unknown;
    try {
      payload = this.#decode(message, route.contract);
    } catch (error) {
      return this.#run(delivery, attempt, routes, scope, { error });
    }
    if (payload instanceof Promise || this.#runtime.inbox.has(route.name, message.id) !== false) {
      return this.#run(delivery, attempt, routes, scope, { payload });
    }
    this.#claims.set(message.id, undefined);
    let handled: unknown;
    try {
      handled = route.handle(payload, new DeliveryContext(message, attempt, delivery.redelivered, route.name, this.#runtime));
    } catch (thrown) {
      return this.#fastFailed(delivery, attempt, route, scope, thrown);
    }
    // Any thenable is awaited (not only native promises): settling before it resolves would lose the message.
    if (typeof (handled as PromiseLike<unknown> | undefined)?.then !== 'function') return this.#fastHandled(delivery, attempt, route, scope);
    return Promise.resolve(handled).then(
      () => this.#fastHandled(delivery, attempt, route, scope),
      (thrown: unknown) => this.#fastFailed(delivery, attempt, route, scope, thrown),
    );
  }

  // The handler succeeded: record it in the inbox, ack, and report once the ack is done.
  #fastHandled(delivery: Delivery, attempt: number, route: Route, scope: ConsumeScope): Promise<void> {
    const { id } = delivery.message;
    let acking: Promise<void>;
    try {
      void this.#runtime.inbox.add(route.name, id);
      acking = delivery.ack();
    } catch (thrown) {
      return this.#fastFailed(delivery, attempt, route, scope, thrown);
    }
    this.#release(id);
    return this.#finishWhen(delivery, attempt, scope, this.#settle(delivery, 'handled', attempt, acking, route.name));
  }

  async #fastFailed(delivery: Delivery, attempt: number, route: Route, scope: ConsumeScope, thrown: unknown): Promise<void> {
    let failure: unknown;
    try {
      await this.#handlerFailed(delivery, attempt, route, scope.span, thrown);
    } catch (error) {
      failure = error;
    } finally {
      this.#release(delivery.message.id);
      this.#finish(delivery, attempt, scope, failure);
    }
  }

  // A handler threw or rejected: retry the message if it may succeed later, dead-letter it otherwise.
  #handlerFailed(delivery: Delivery, attempt: number, route: Route, span: Span, thrown: unknown): Promise<void> {
    const error = WharfError.from(thrown);
    this.#runtime.telemetry.failed(span, error);
    if (!error.retryable || attempt >= route.policy.maxAttempts) return this.#reject(delivery, attempt, error, route);
    return this.#retry(delivery, attempt, error, route);
  }

  // The body as the contract's payload; a promise when the schema validates asynchronously.
  #decode(message: TransportMessage, contract: Contract): unknown {
    return validateNow(contract.schema, JSON.parse(message.body.toString('utf8')), this.#labels.get(contract.type) ?? contract.type);
  }

  // Lets a second copy of the message, waiting for this one, go on (it will find the message in the inbox).
  #release(id: string): void {
    const waiters = this.#claims.get(id);
    this.#claims.delete(id);
    if (waiters) for (const wake of waiters) wake();
  }

  #finish(delivery: Delivery, attempt: number, scope: ConsumeScope, failure: unknown): void {
    this.#runtime.telemetry.endConsume(scope);
    this.#done(delivery, attempt, failure);
  }

  // Finishes the delivery once `settling` has settled: at once, without a tick, when it already has (SETTLED).
  #finishWhen(delivery: Delivery, attempt: number, scope: ConsumeScope, settling: Promise<void>): Promise<void> {
    if (settling === SETTLED) {
      this.#finish(delivery, attempt, scope, undefined);
      return SETTLED;
    }
    return settling.then(
      () => this.#finish(delivery, attempt, scope, undefined),
      (failure: unknown) => this.#finish(delivery, attempt, scope, failure),
    );
  }

  /**
   * A query's request validated synchronously: answered without an `async` frame, like the common path of #fast.
   * A body that is not JSON or does not validate at once goes to the general path.
   */
  #fastAnswer(delivery: Delivery, attempt: number, route: Route, routes: readonly Route[], scope: ConsumeScope): Promise<void> {
    let request: unknown;
    try {
      request = this.#decode(delivery.message, route.contract);
    } catch (error) {
      return this.#run(delivery, attempt, routes, scope, { error });
    }
    if (request instanceof Promise) return this.#run(delivery, attempt, routes, scope, { payload: request });
    let answering: Promise<void>;
    try {
      answering = this.#answer(delivery, attempt, route, request, scope.span);
    } catch (failure) {
      answering = Promise.reject(failure);
    }
    return this.#finishWhen(delivery, attempt, scope, answering);
  }

  // Calls the query's handler and replies with its validated response, or with the error it raised; then acks.
  // SETTLED when all of it happened at once. Rejects only when the ack fails.
  #answer(delivery: Delivery, attempt: number, route: Route, request: unknown, span: Span): Promise<void> {
    let result: unknown;
    try {
      result = route.handle(request, new DeliveryContext(delivery.message, attempt, delivery.redelivered, route.name, this.#runtime));
    } catch (thrown) {
      return this.#replyFailed(delivery, attempt, route, span, thrown);
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      return Promise.resolve(result).then(
        (value) => this.#respond(delivery, attempt, route, value, span),
        (thrown: unknown) => this.#replyFailed(delivery, attempt, route, span, thrown),
      );
    }
    return this.#respond(delivery, attempt, route, result, span);
  }

  // The handler's result, validated against the query's response schema, as the reply.
  #respond(delivery: Delivery, attempt: number, route: Route, result: unknown, span: Span): Promise<void> {
    const query = route.contract as Extract<Contract, { kind: 'query' }>;
    let data: unknown;
    try {
      data = validateNow(query.response, result, `The response of ${query.type}`);
    } catch (thrown) {
      return this.#replyFailed(delivery, attempt, route, span, thrown);
    }
    if (!(data instanceof Promise)) return this.#reply(delivery, attempt, route, { ok: true, data });
    return data.then(
      (valid: unknown) => this.#reply(delivery, attempt, route, { ok: true, data: valid }),
      (thrown: unknown) => this.#replyFailed(delivery, attempt, route, span, thrown),
    );
  }

  // The handler or its response failed: the requester gets the error (its code, message and data).
  #replyFailed(delivery: Delivery, attempt: number, route: Route, span: Span, thrown: unknown): Promise<void> {
    const error = WharfError.from(thrown);
    this.#runtime.telemetry.failed(span, error);
    this.#runtime.logger.warn({ err: error, messageId: delivery.message.id, type: delivery.message.type }, 'query failed');
    return this.#reply(delivery, attempt, route, { ok: false, error: error.toWire() });
  }

  // Sends the reply where the request asked for it, then acks the request whether or not the reply went out (the
  // requester times out; a redelivered request would only be answered again).
  #reply(delivery: Delivery, attempt: number, route: Route, body: ReplyBody): Promise<void> {
    const { message } = delivery;
    let sending: Promise<void> = SETTLED;
    if (message.replyTo) {
      const now = Date.now();
      try {
        sending = this.#runtime.transport.publish(
          {
            id: messageId(now),
            kind: 'reply',
            type: message.type,
            body: Buffer.from(JSON.stringify(body)),
            headers: {},
            appId: this.#runtime.service.name,
            timestamp: now,
            correlationId: message.correlationId ?? message.id,
            replyTo: message.replyTo,
          },
          { timeoutMs: this.#runtime.publishTimeoutMs },
        );
      } catch (error) {
        sending = Promise.reject(error);
      }
    }
    const ack = () => this.#settle(delivery, 'handled', attempt, delivery.ack(), route.name);
    if (sending === SETTLED) return ack();
    return sending.then(ack, (error: unknown) => {
      this.#runtime.logger.warn({ err: error, type: message.type }, 'could not send a reply');
      return ack();
    });
  }

  #retry(delivery: Delivery, attempt: number, error: WharfError, route: Route): Promise<void> {
    const delayMs = retryDelay(route.policy, attempt);
    const headers = {
      ...failureHeaders(delivery.message, error, attempt, this.#runtime.service.name, route.name),
      [ATTEMPT_HEADER]: String(attempt + 1),
    };
    this.#runtime.logger.warn(
      { err: error, messageId: delivery.message.id, type: delivery.message.type, handler: route.name, attempt, delayMs },
      'handler failed; retrying',
    );
    this.#runtime.telemetry.retried(this.#runtime.queue, delivery.message.type, error.code);
    return this.#settle(delivery, 'retrying', attempt, delivery.retry(delayMs, headers), route.name, error);
  }

  #reject(delivery: Delivery, attempt: number, error: WharfError, route?: Route): Promise<void> {
    const headers = failureHeaders(delivery.message, error, attempt, this.#runtime.service.name, route?.name);
    this.#runtime.logger.error(
      { err: error, messageId: delivery.message.id, type: delivery.message.type, handler: route?.name, attempt },
      'message dead-lettered',
    );
    this.#runtime.telemetry.deadLettered(this.#runtime.queue, delivery.message.type, error.code);
    return this.#settle(delivery, 'dead-lettered', attempt, delivery.deadLetter(headers), route?.name, error);
  }

  // Reports the outcome once the transport has settled the delivery: at once when it already has (SETTLED).
  #settle(
    delivery: Delivery,
    outcome: DispatchEvent['outcome'],
    attempt: number,
    settling: Promise<void>,
    handler?: string,
    error?: WharfError,
  ): Promise<void> {
    if (settling !== SETTLED) return settling.then(() => this.#observe(delivery, outcome, attempt, handler, error));
    this.#observe(delivery, outcome, attempt, handler, error);
    return SETTLED;
  }

  #observe(delivery: Delivery, outcome: DispatchEvent['outcome'], attempt: number, handler?: string, error?: WharfError): void {
    const event: { -readonly [K in keyof DispatchEvent]: DispatchEvent[K] } = { outcome, message: delivery.message, attempt };
    if (handler !== undefined) event.handler = handler;
    if (error !== undefined) event.error = error;
    this.#runtime.observe(event);
  }
}
