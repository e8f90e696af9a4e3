/** Every error code Wharf raises; `retryable` says whether trying again can succeed. */
export type ErrorCode =
  | 'CONTRACT_VIOLATION'
  | 'UNKNOWN_CONTRACT'
  | 'NO_HANDLER'
  | 'MALFORMED_MESSAGE'
  | 'MESSAGE_TOO_LARGE'
  | 'TRANSPORT_UNAVAILABLE'
  | 'UNROUTABLE'
  | 'PUBLISH_TIMEOUT'
  | 'REQUEST_TIMEOUT'
  | 'HANDLER_FAILED'
  | 'CONFIG_INVALID'
  | 'INVALID_STATE';

/** A validation problem, as data: where it is, what is wrong, and the validator's code. */
export interface ValidationIssue {
  path: string;
  message: string;
  code: string;
}

/** The plain form of an error that crosses the wire (query replies, dead-letter headers). */
export interface WireError {
  code: string;
  message: string;
  retryable: boolean;
  data?: unknown;
}

/** Options of a {@link WharfError} beyond its code and message. */
export interface WharfErrorOptions extends ErrorOptions {
  retryable?: boolean;
  data?: unknown;
}

const brand = Symbol.for('@wharf/sdk/WharfError');
const retryableByDefault = new Set<string>(['TRANSPORT_UNAVAILABLE', 'PUBLISH_TIMEOUT', 'REQUEST_TIMEOUT', 'HANDLER_FAILED']);

/** The one error class of Wharf: a code, a retryable flag, optional data and a cause. */
export class WharfError extends Error {
  readonly [brand] = true;
  readonly code: ErrorCode | (string & {});
  readonly retryable: boolean;
  readonly data: unknown;

  constructor(code: ErrorCode | (string & {}), message: string, options: WharfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WharfError';
    this.code = code;
    this.retryable = options.retryable ?? retryableByDefault.has(code);
    this.data = options.data;
  }

  /** True for any WharfError, even one from another copy of the SDK. */
  static is(value: unknown): value is WharfError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** Wraps anything thrown into a WharfError, keeping a WharfError as it is. */
  static from(error: unknown, code: ErrorCode = 'HANDLER_FAILED'): WharfError {
    if (WharfError.is(error)) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new WharfError(code, message, { cause: error });
  }

  /** Rebuilds an error that came over the wire. */
  static fromWire(wire: WireError): WharfError {
    return new WharfError(wire.code, wire.message, { retryable: wire.retryable, data: wire.data });
  }

  /** The plain form sent over the wire. */
  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message, retryable: this.retryable }
      : { code: this.code, message: this.message, retryable: this.retryable, data: this.data };
  }
}
