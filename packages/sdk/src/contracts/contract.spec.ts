import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { WharfError } from '../errors/wharf-error.js';
import { defineEvent, defineQuery } from './contract.js';
import { validate } from './validate.js';

describe('defineEvent', () => {
  const Posted = defineEvent({ name: 'chat.message-posted', version: 2, schema: z.object({ text: z.string().min(1) }) });

  it('derives the wire type and the owning service from the name', () => {
    expect(Posted).toMatchObject({ kind: 'event', type: 'chat.message-posted.v2', owner: 'chat', version: 2 });
  });

  it('refuses names without an owner and versions below 1', () => {
    expect(() => defineEvent({ name: 'posted', version: 1, schema: z.object({}) })).toThrow(/<service>\.<name>/);
    expect(() => defineEvent({ name: 'chat.posted', version: 0, schema: z.object({}) })).toThrow(/major version/);
  });
});

describe('defineQuery', () => {
  it('keeps the request as schema and the response beside it', () => {
    const Get = defineQuery({ name: 'feed.get', version: 1, request: z.object({ room: z.string() }), response: z.array(z.string()) });
    expect(Get.kind).toBe('query');
    expect(Get.response).toBeDefined();
  });
});

describe('validate', () => {
  const schema = z.object({ room: z.string().min(1), limit: z.number().int().max(100) });

  it('returns the parsed value', async () => {
    await expect(validate(schema, { room: 'a', limit: 5 }, 'x')).resolves.toEqual({ room: 'a', limit: 5 });
  });

  it('throws CONTRACT_VIOLATION with the issues as data', async () => {
    const error = await validate(schema, { room: '', limit: 500 }, 'The query feed.get.v1').catch((e: unknown) => e);
    expect(WharfError.is(error)).toBe(true);
    const wharf = error as WharfError;
    expect(wharf.code).toBe('CONTRACT_VIOLATION');
    expect(wharf.retryable).toBe(false);
    expect(wharf.message).toMatch(/^The query feed.get.v1 does not match its contract: room: .*; limit: /);
    expect((wharf.data as { issues: unknown[] }).issues).toEqual([
      expect.objectContaining({ path: 'room', code: 'too_small' }),
      expect.objectContaining({ path: 'limit', code: 'too_big' }),
    ]);
  });
});
