import { describe, expect, it } from 'vitest';
import { WharfError } from './wharf-error.js';

describe('WharfError', () => {
  it('carries a code, a retryable flag, data and a cause', () => {
    const cause = new Error('socket closed');
    const error = new WharfError('TRANSPORT_UNAVAILABLE', 'broker gone', { cause, data: { host: 'a' } });
    expect(error.code).toBe('TRANSPORT_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.toWire()).toEqual({ code: 'TRANSPORT_UNAVAILABLE', message: 'broker gone', retryable: true, data: { host: 'a' } });
  });

  it('is recognised by its brand and survives a trip over the wire', () => {
    const error = WharfError.fromWire({ code: 'CONTRACT_VIOLATION', message: 'bad', retryable: false });
    expect(WharfError.is(error)).toBe(true);
    expect(WharfError.is(new Error('x'))).toBe(false);
    expect(error.retryable).toBe(false);
  });

  it('wraps anything thrown as HANDLER_FAILED, keeping a WharfError as it is', () => {
    const wrapped = WharfError.from(new TypeError('boom'));
    expect(wrapped.code).toBe('HANDLER_FAILED');
    expect(wrapped.message).toBe('boom');
    const original = new WharfError('UNROUTABLE', 'nowhere');
    expect(WharfError.from(original)).toBe(original);
  });
});
