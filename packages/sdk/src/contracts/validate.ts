import { WharfError, type ValidationIssue } from '../errors/wharf-error.js';
import type { StandardSchemaV1 } from './standard-schema.js';

function pathOf(issue: StandardSchemaV1.Issue): string {
  if (!issue.path || issue.path.length === 0) return '';
  return issue.path
    .map((segment) => (typeof segment === 'object' && segment !== null ? segment.key : segment))
    .map(String)
    .join('.');
}

/** Turns a validator's issues into Wharf's plain `{ path, message, code }` data. */
export function toValidationIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): ValidationIssue[] {
  return issues.map((issue) => {
    const code = (issue as { code?: unknown }).code;
    return { path: pathOf(issue), message: issue.message, code: typeof code === 'string' ? code : 'invalid' };
  });
}

/**
 * Validates a value against a schema and returns the schema's output, or throws a CONTRACT_VIOLATION
 * WharfError whose `data.issues` lists what is wrong. `what` names the value in the message.
 */
export async function validate<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  what: string,
): Promise<StandardSchemaV1.InferOutput<S>> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    const issues = toValidationIssues(result.issues);
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new WharfError('CONTRACT_VIOLATION', `${what} does not match its contract: ${summary}`, {
      retryable: false,
      data: { issues },
    });
  }
  return result.value as StandardSchemaV1.InferOutput<S>;
}
