import type {
  CommandContract,
  Contract,
  EventContract,
  Payload,
  QueryContract,
  Response,
} from '../contracts/contract.js';
import type { MessageContext } from './message-context.js';
import type { RetryPolicy } from './retry-policy.js';

/** Handles an event or a command: return to settle the message, throw to hand it to the retry policy. */
export interface MessageHandler<C extends EventContract | CommandContract> {
  // A property, not a method, so that TypeScript checks the payload type strictly (no bivariance).
  handle: (payload: Payload<C>, ctx: MessageContext) => void | Promise<void>;
}

/** A handler of an event contract. */
export type EventHandler<C extends EventContract> = MessageHandler<C>;

/** A handler of a command contract. */
export type CommandHandler<C extends CommandContract> = MessageHandler<C>;

/** Answers a query: the returned value is validated against the query's response schema and sent back. */
export interface QueryHandler<Q extends QueryContract> {
  handle: (request: Payload<Q>, ctx: MessageContext) => Response<Q> | Promise<Response<Q>>;
}

/** A class the service's container can build; its constructor takes `@inject(TOKEN)` parameters. */
export type HandlerClass<T> = new (...args: never[]) => T;

/** Per-handler settings. */
export interface HandlerOptions {
  /** Overrides the service's retry policy for this handler. */
  retry?: Partial<RetryPolicy>;
  /** The name used in logs, spans and the inbox; the class name by default. Keep it stable across deploys. */
  name?: string;
}

/** A contract bound to the class that handles it, as listed in `defineService({ handlers })`. */
export interface HandlerRegistration {
  readonly contract: Contract;
  readonly handler: HandlerClass<MessageHandler<EventContract> | QueryHandler<QueryContract>>;
  readonly name: string;
  readonly options: Readonly<HandlerOptions>;
}

function register(contract: Contract, handler: HandlerRegistration['handler'], options: HandlerOptions): HandlerRegistration {
  const name = options.name ?? handler.name;
  if (!name) throw new TypeError(`The handler of ${contract.type} needs a name: use a named class or options.name`);
  return Object.freeze({ contract, handler, name, options: Object.freeze({ ...options }) });
}

/** Handles an event or command with a handler class: `on(ChatMessagePosted, AppendToFeed)`. */
export function on<C extends EventContract | CommandContract>(
  contract: C,
  handler: HandlerClass<MessageHandler<C>>,
  options: HandlerOptions = {},
): HandlerRegistration {
  return register(contract, handler as unknown as HandlerRegistration['handler'], options);
}

/** Answers a query with a handler class: `answer(FeedGet, GetFeed)`. */
export function answer<Q extends QueryContract>(
  query: Q,
  handler: HandlerClass<QueryHandler<Q>>,
  options: HandlerOptions = {},
): HandlerRegistration {
  return register(query, handler as unknown as HandlerRegistration['handler'], options);
}
