import type { ContainerModule, ServiceIdentifier } from 'inversify';
import type { StandardSchemaV1 } from '../contracts/standard-schema.js';
import type { HandlerRegistration } from '../handlers/handler.js';
import { retryPolicy, type RetryPolicy } from '../handlers/retry-policy.js';
import type { ConsumerParent } from '../tracing/messaging-telemetry.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';

/** What a service is: its name, modules, handlers and hooks. A value; `createService` runs it. */
export interface ServiceDefinition {
  /** Lower-case kebab name; also the prefix of the contracts the service owns and the name of its queue. */
  readonly name: string;
  /** The app's inversify modules. */
  readonly modules?: readonly ContainerModule[];
  /** `on(Event, Handler)`, `on(Command, Handler)`, `answer(Query, Handler)`. */
  readonly handlers?: readonly HandlerRegistration[];
  /** Components (bound in a module) whose lifecycle hooks the service runs, in this order. */
  readonly hooks?: readonly ServiceIdentifier<LifecycleHooks>[];
  /** Schema of the app's own environment variables; the parsed value is bound to the `Config` token. */
  readonly config?: StandardSchemaV1;
  /** The retry policy of every handler of the service, unless a handler sets its own. */
  readonly retry?: Partial<RetryPolicy>;
  /** Tracing: consumer spans as children of the producer's span (one trace, default) or linked only. */
  readonly consumerParent?: ConsumerParent;
}

const namePattern = /^[a-z][a-z0-9-]*$/;

/**
 * Checks and freezes a service definition: a valid name, handlers of commands and queries only for contracts
 * the service owns, one handler per query, and sensible retry policies.
 */
export function defineService<D extends ServiceDefinition>(definition: D): Readonly<D> {
  const { name, handlers = [] } = definition;
  if (!namePattern.test(name)) {
    throw new TypeError(`Service name "${name}" must be lower-case kebab words, e.g. "feed" or "order-history"`);
  }
  retryPolicy(definition.retry);
  const queries = new Set<string>();
  for (const registration of handlers) {
    const { contract } = registration;
    retryPolicy(definition.retry, registration.options.retry);
    if (contract.kind !== 'event' && contract.owner !== name) {
      throw new TypeError(
        `Service "${name}" cannot handle ${contract.kind} ${contract.type}: only its owner "${contract.owner}" may`,
      );
    }
    if (contract.kind === 'query') {
      if (queries.has(contract.type)) throw new TypeError(`Service "${name}" answers ${contract.type} twice`);
      queries.add(contract.type);
    }
  }
  return Object.freeze({ ...definition });
}
