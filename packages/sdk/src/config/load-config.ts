import type { StandardSchemaV1 } from '../contracts/standard-schema.js';
import { toValidationIssues } from '../contracts/validate.js';
import { WharfError } from '../errors/wharf-error.js';
import type { Environment } from './settings.js';

/** DI token of the service's own typed configuration, parsed from the environment by its schema. */
export const Config = Symbol.for('@wharf/sdk/Config');

/**
 * Parses the environment with a service's config schema (an object schema keyed by variable name).
 * A bad or missing value fails with CONFIG_INVALID naming each variable and what is wrong with it.
 */
export async function loadConfig<S extends StandardSchemaV1>(
  schema: S,
  env: Environment,
): Promise<StandardSchemaV1.InferOutput<S>> {
  let result = schema['~standard'].validate({ ...env });
  if (result instanceof Promise) result = await result;
  if (!result.issues) return result.value as StandardSchemaV1.InferOutput<S>;
  const issues = toValidationIssues(result.issues);
  const lines = issues.map((issue) => `${issue.path || '(environment)'}: ${issue.message}`);
  throw new WharfError('CONFIG_INVALID', `Invalid configuration: ${lines.join('; ')}`, {
    retryable: false,
    data: { issues },
  });
}
