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

function unwrap<S extends StandardSchemaV1>(
  result: StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>,
  what: string,
): StandardSchemaV1.InferOutput<S> {
  if (result.issues) {
    const issues = toValidationIssues(result.issues);
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new WharfError('CONTRACT_VIOLATION', `${what} does not match its contract: ${summary}`, {
      retryable: false,
      data: { issues },
    });
  }
  return result.value;
}

/**
 * Like {@link validate}, but returns the value itself when the schema validates synchronously (zod does), so the
 * message path does not pay for a promise per message.
 */
export function validateNow<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  what: string,
): StandardSchemaV1.InferOutput<S> | Promise<StandardSchemaV1.InferOutput<S>> {
  const result = schema['~standard'].validate(value) as
    | StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>
    | Promise<StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>>;
  return result instanceof Promise ? result.then((r) => unwrap<S>(r, what)) : unwrap<S>(result, what);
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
  return validateNow(schema, value, what);
}
