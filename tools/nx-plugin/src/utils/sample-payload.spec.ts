import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { sampleOf, type SchemaResolver } from './sample-payload.js';

/** Parses `const schema = <source>;` and samples it, resolving other consts of the same snippet. */
function sample(source: string, prelude = ''): ReturnType<typeof sampleOf> {
  const file = ts.createSourceFile(
    'snippet.ts',
    `${prelude}\nconst schema = ${source};`,
    ts.ScriptTarget.Latest,
    true,
  );
  const resolve: SchemaResolver = (name, at) => {
    for (const s of at.statements) {
      if (!ts.isVariableStatement(s)) continue;
      const d = s.declarationList.declarations.find((x) => ts.isIdentifier(x.name) && x.name.text === name);
      if (d?.initializer) return { expression: d.initializer, source: at };
    }
    return undefined;
  };
  const statement = file.statements[file.statements.length - 1] as ts.VariableStatement;
  return sampleOf(statement.declarationList.declarations[0]?.initializer as ts.Expression, file, resolve);
}

/** Evaluates TypeScript-free source with zod in scope: the schemas and samples here are plain JavaScript. */
function evaluate(code: string): unknown {
  return new Function('z', `return (${code});`)(z);
}

describe('sampleOf', () => {
  it.each([
    'z.object({ id: z.uuid(), at: z.iso.datetime(), day: z.iso.date() })',
    'z.object({ room: z.string().min(1).max(100), code: z.string().length(12), short: z.string().max(3) })',
    'z.object({ limit: z.number().int().min(1).max(1_000), above: z.number().gt(10), neg: z.number().negative(), n: z.int() })',
    'z.object({ ok: z.boolean(), kind: z.enum(["a", "b"]), exact: z.literal("v1"), mail: z.email(), site: z.url() })',
    'z.object({ tags: z.array(z.string()).min(2), meta: z.record(z.string(), z.string()), nested: z.object({ v4: z.uuidv4() }) })',
    'z.object({ either: z.union([z.number(), z.string()]), maybe: z.string().nullable(), trimmed: z.string().trim().min(2) })',
    'z.object({ opt: z.string().optional(), def: z.number().default(5), wrapped: z.optional(z.string()), keep: z.coerce.number() })',
  ])('derives a sample that %s accepts', (schema) => {
    const result = sample(schema);
    if (!result.ok) throw new Error(result.reason);
    const parsed = (evaluate(schema) as z.ZodType).safeParse(evaluate(result.code));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('leaves out optional and defaulted fields', () => {
    expect(
      sample('z.object({ a: z.string().optional(), b: z.number().default(1), c: z.boolean() })'),
    ).toEqual({
      ok: true,
      code: '{ c: true }',
    });
  });

  it('follows schemas named by a const', () => {
    const result = sample('z.object({ entry: Entry })', 'const Entry = z.object({ id: z.uuid() });');
    expect(result).toEqual({ ok: true, code: "{ entry: { id: '0190b5a6-4c2e-7c3a-9f1e-2b7d4a1c9e01' } }" });
  });

  it.each([
    ['z.object({ code: z.string().regex(/x/) })', '.regex() is not sampled'],
    ['z.object({ n: z.number().refine((v) => v > 1) })', '.refine() is not sampled'],
    ['z.object({ when: z.date() })', 'z.date() is not sampled'],
    ['z.object({ entry: Missing })', 'cannot find the schema "Missing"'],
    ['makeSchema()', 'cannot read "makeSchema" as a zod builder'],
  ])('gives a reason instead of a guess for %s', (schema, reason) => {
    expect(sample(schema)).toEqual({ ok: false, reason });
  });
});
