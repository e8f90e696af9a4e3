import type { StandardSchemaV1 } from './standard-schema.js';

/** The three kinds of message a contract can describe. */
export type ContractKind = 'event' | 'command' | 'query';

interface ContractBase<K extends ContractKind, N extends string, S extends StandardSchemaV1> {
  readonly kind: K;
  /** `<owning service>.<name>`, e.g. `chat.message-posted`. */
  readonly name: N;
  /** Major version: a breaking change is a new contract with a new version. */
  readonly version: number;
  /** The wire type, `<name>.v<version>`: the routing key and the AMQP `type` property. */
  readonly type: string;
  /** The service that owns the contract: the part of the name before the first dot. */
  readonly owner: string;
  /** The schema of the payload (of the request, for a query). */
  readonly schema: S;
  /** A one-line description for docs and topology listings. */
  readonly description?: string;
}

/** Something happened; published by its owner, handled by any number of services. */
export type EventContract<N extends string = string, S extends StandardSchemaV1 = StandardSchemaV1> = ContractBase<
  'event',
  N,
  S
>;

/** Do something; sent by anyone, handled only by its owner. */
export type CommandContract<N extends string = string, S extends StandardSchemaV1 = StandardSchemaV1> = ContractBase<
  'command',
  N,
  S
>;

/** Ask something; answered only by its owner with a response of its own schema. */
export interface QueryContract<
  N extends string = string,
  S extends StandardSchemaV1 = StandardSchemaV1,
  R extends StandardSchemaV1 = StandardSchemaV1,
> extends ContractBase<'query', N, S> {
  readonly response: R;
}

/** Any contract. */
export type Contract = EventContract | CommandContract | QueryContract;

/** The payload type a handler receives for a contract (the request, for a query). */
export type Payload<C extends Contract> = StandardSchemaV1.InferOutput<C['schema']>;

/** The payload type a producer passes for a contract (before schema defaults and transforms). */
export type PayloadInput<C extends Contract> = StandardSchemaV1.InferInput<C['schema']>;

/** The response type of a query. */
export type Response<Q extends QueryContract> = StandardSchemaV1.InferOutput<Q['response']>;

/** What `defineEvent` and `defineCommand` take. */
export interface ContractDefinition<N extends string, S extends StandardSchemaV1> {
  name: N;
  version: number;
  schema: S;
  description?: string;
}

/** What `defineQuery` takes. */
export interface QueryDefinition<N extends string, S extends StandardSchemaV1, R extends StandardSchemaV1> {
  name: N;
  version: number;
  request: S;
  response: R;
  description?: string;
}

const namePattern = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

function base<K extends ContractKind, N extends string, S extends StandardSchemaV1>(
  kind: K,
  definition: ContractDefinition<N, S>,
): ContractBase<K, N, S> {
  const { name, version, schema, description } = definition;
  if (!namePattern.test(name)) {
    throw new TypeError(
      `Contract name "${name}" must be "<service>.<name>" in lower-case kebab words, e.g. "chat.message-posted"`,
    );
  }
  if (!Number.isInteger(version) || version < 1) {
    throw new TypeError(`Contract "${name}" needs a whole major version of 1 or more, got ${String(version)}`);
  }
  if (typeof schema?.['~standard']?.validate !== 'function') {
    throw new TypeError(`Contract "${name}" needs a Standard Schema (zod 4, Valibot, ArkType, ...)`);
  }
  const owner = name.slice(0, name.indexOf('.'));
  return Object.freeze({
    kind,
    name,
    version,
    type: `${name}.v${version}`,
    owner,
    schema,
    ...(description === undefined ? {} : { description }),
  });
}

/** Declares an event contract: `defineEvent({ name: 'chat.message-posted', version: 1, schema })`. */
export function defineEvent<N extends string, S extends StandardSchemaV1>(
  definition: ContractDefinition<N, S>,
): EventContract<N, S> {
  return base('event', definition);
}

/** Declares a command contract, handled only by the service its name starts with. */
export function defineCommand<N extends string, S extends StandardSchemaV1>(
  definition: ContractDefinition<N, S>,
): CommandContract<N, S> {
  return base('command', definition);
}

/** Declares a query contract with request and response schemas. */
export function defineQuery<N extends string, S extends StandardSchemaV1, R extends StandardSchemaV1>(
  definition: QueryDefinition<N, S, R>,
): QueryContract<N, S, R> {
  const { request, response, ...rest } = definition;
  if (typeof response?.['~standard']?.validate !== 'function') {
    throw new TypeError(`Query "${definition.name}" needs a Standard Schema for its response`);
  }
  return Object.freeze({ ...base('query', { ...rest, schema: request }), response });
}
