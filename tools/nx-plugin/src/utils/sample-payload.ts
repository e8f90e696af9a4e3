import ts from 'typescript';

/** Finds the expression a schema identifier stands for (a `const` in the same file or a relative import). */
export type SchemaResolver = (
  name: string,
  source: ts.SourceFile,
) => { expression: ts.Expression; source: ts.SourceFile } | undefined;

/** A sample value as TypeScript source, or the reason none could be derived. */
export type Sample =
  { readonly ok: true; readonly code: string } | { readonly ok: false; readonly reason: string };

interface Step {
  readonly name: string;
  readonly args: readonly ts.Expression[];
}

class Unsupported extends Error {}

const V7_UUID = '0190b5a6-4c2e-7c3a-9f1e-2b7d4a1c9e01';
const V4_UUID = '3b241101-e2bb-4255-8caf-4136c566a962';
/** Modifiers that do not change which sample is valid. */
const neutral = new Set([
  'describe',
  'meta',
  'brand',
  'readonly',
  'trim',
  'toLowerCase',
  'toUpperCase',
  'int',
  'finite',
  'safe',
  'strict',
  'strip',
  'passthrough',
  'loose',
  'nullable',
]);
/** Modifiers that make an object field optional: the sample leaves it out. */
const optional = new Set(['optional', 'nullish', 'default', 'prefault', 'catch']);

/**
 * Derives a valid sample payload from a zod schema written in source (`z.object({ id: z.uuid() })`), for the
 * specs a generator writes. Covers the common zod 4 builders; anything else (refinements, transforms,
 * regexes) yields a reason instead of a guess.
 */
export function sampleOf(expression: ts.Expression, source: ts.SourceFile, resolve: SchemaResolver): Sample {
  try {
    return { ok: true, code: new Sampler(resolve).value(expression, source, undefined, 0) };
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, reason: error.message };
    throw error;
  }
}

class Sampler {
  constructor(private readonly resolve: SchemaResolver) {}

  value(node: ts.Expression, source: ts.SourceFile, key: string | undefined, depth: number): string {
    if (depth > 20) throw new Unsupported('the schema nests too deeply');
    const { base, steps } = this.unwind(node);
    if (ts.isIdentifier(base)) {
      const target = this.resolve(base.text, source);
      if (!target) throw new Unsupported(`cannot find the schema "${base.text}"`);
      this.checkSteps(steps, new Set());
      return this.value(target.expression, target.source, key, depth + 1);
    }
    if (!ts.isCallExpression(base))
      throw new Unsupported(`cannot read "${base.getText(source)}" as a zod schema`);
    const builder = this.builder(base.expression, source);
    const args = base.arguments;
    const next = (arg: ts.Expression | undefined) => {
      if (!arg) throw new Unsupported(`z.${builder}() needs an argument`);
      return this.value(arg, source, key, depth + 1);
    };
    switch (builder) {
      case 'object':
      case 'strictObject':
      case 'looseObject':
        this.checkSteps(steps, new Set());
        return this.object(args[0], source, depth);
      case 'string':
      case 'coerce.string':
        return this.string(key ?? 'example', steps, source);
      case 'uuid':
      case 'guid':
      case 'uuidv7':
        return this.fixed(steps, `'${V7_UUID}'`);
      case 'uuidv4':
        return this.fixed(steps, `'${V4_UUID}'`);
      case 'email':
        return this.fixed(steps, `'ada@example.com'`);
      case 'url':
        return this.fixed(steps, `'https://example.com'`);
      case 'iso.datetime':
        return this.fixed(steps, `'2026-01-01T00:00:00.000Z'`);
      case 'iso.date':
        return this.fixed(steps, `'2026-01-01'`);
      case 'iso.time':
        return this.fixed(steps, `'12:00:00'`);
      case 'iso.duration':
        return this.fixed(steps, `'P1D'`);
      case 'number':
      case 'int':
      case 'int32':
      case 'float64':
      case 'coerce.number':
        return this.number(steps, source);
      case 'boolean':
      case 'coerce.boolean':
        return this.fixed(steps, 'true');
      case 'unknown':
      case 'any':
        return this.fixed(steps, 'null');
      case 'literal':
        return this.fixed(steps, this.argText(args[0], source, builder));
      case 'enum': {
        const list = args[0];
        if (!list || !ts.isArrayLiteralExpression(list) || !list.elements[0])
          throw new Unsupported('z.enum() needs a literal list');
        return this.fixed(steps, list.elements[0].getText(source));
      }
      case 'array': {
        const min = this.bound(steps, ['min', 'length'], source) ?? 1;
        this.checkSteps(steps, new Set(['min', 'max', 'length', 'nonempty']));
        if (min > 5) throw new Unsupported('arrays of more than 5 required items are not sampled');
        const item = next(args[0]);
        return `[${Array.from({ length: Math.max(min, 1) }, () => item).join(', ')}]`;
      }
      case 'record':
        this.checkSteps(steps, new Set());
        return '{}';
      case 'union':
      case 'discriminatedUnion': {
        const options = args[builder === 'union' ? 0 : 1];
        if (!options || !ts.isArrayLiteralExpression(options) || !options.elements[0]) {
          throw new Unsupported(`z.${builder}() needs a literal list of options`);
        }
        this.checkSteps(steps, new Set());
        return next(options.elements[0]);
      }
      case 'nullable':
        this.checkSteps(steps, new Set());
        return next(args[0]);
      default:
        throw new Unsupported(`z.${builder}() is not sampled`);
    }
  }

  /** Whether a field's schema makes it optional (`.optional()`, `.default(...)`, `z.optional(...)`). */
  isOptional(node: ts.Expression, source: ts.SourceFile): boolean {
    const { base, steps } = this.unwind(node);
    if (steps.some((s) => optional.has(s.name))) return true;
    return (
      ts.isCallExpression(base) &&
      ['optional', 'nullish'].includes(this.builder(base.expression, source, false))
    );
  }

  private object(shape: ts.Expression | undefined, source: ts.SourceFile, depth: number): string {
    if (!shape || !ts.isObjectLiteralExpression(shape))
      throw new Unsupported('z.object() needs an object literal shape');
    const fields: string[] = [];
    for (const property of shape.properties) {
      if (!ts.isPropertyAssignment(property))
        throw new Unsupported(`cannot read "${property.getText(source)}"`);
      if (this.isOptional(property.initializer, source)) continue;
      const name = property.name.getText(source);
      const key =
        ts.isIdentifier(property.name) || ts.isStringLiteral(property.name) ? property.name.text : undefined;
      fields.push(`${name}: ${this.value(property.initializer, source, key, depth + 1)}`);
    }
    return `{ ${fields.join(', ')} }`;
  }

  private string(key: string, steps: readonly Step[], source: ts.SourceFile): string {
    this.checkSteps(steps, new Set(['min', 'max', 'length', 'nonempty']));
    const length = this.bound(steps, ['length'], source);
    const min =
      length ?? this.bound(steps, ['min'], source) ?? (steps.some((s) => s.name === 'nonempty') ? 1 : 0);
    const max = length ?? this.bound(steps, ['max'], source) ?? Number.POSITIVE_INFINITY;
    let text = key.replace(/[^A-Za-z0-9 ._-]/g, '') || 'example';
    if (text.length < min) text = text.padEnd(min, 'x');
    if (text.length > max) text = text.slice(0, max);
    if (text.length > 200) return `'x'.repeat(${text.length})`;
    return `'${text}'`;
  }

  private number(steps: readonly Step[], source: ts.SourceFile): string {
    this.checkSteps(
      steps,
      new Set([
        'min',
        'max',
        'gte',
        'lte',
        'gt',
        'lt',
        'positive',
        'nonnegative',
        'negative',
        'nonpositive',
        'multipleOf',
      ]),
    );
    if (steps.some((s) => s.name === 'multipleOf')) throw new Unsupported('multipleOf() is not sampled');
    let low = this.bound(steps, ['min', 'gte'], source);
    const above = this.bound(steps, ['gt'], source);
    if (above !== undefined) low = above + 1;
    if (steps.some((s) => s.name === 'positive')) low = 1;
    if (steps.some((s) => s.name === 'nonnegative')) low = 0;
    let high = this.bound(steps, ['max', 'lte'], source);
    const below = this.bound(steps, ['lt'], source);
    if (below !== undefined) high = below - 1;
    if (steps.some((s) => s.name === 'negative')) high = -1;
    if (steps.some((s) => s.name === 'nonpositive')) high = 0;
    let value = low ?? 1;
    if (high !== undefined && value > high) value = high;
    return String(value);
  }

  private fixed(steps: readonly Step[], code: string): string {
    this.checkSteps(steps, new Set());
    return code;
  }

  private checkSteps(steps: readonly Step[], allowed: ReadonlySet<string>): void {
    for (const step of steps) {
      if (!allowed.has(step.name) && !neutral.has(step.name) && !optional.has(step.name)) {
        throw new Unsupported(`.${step.name}() is not sampled`);
      }
    }
  }

  private bound(steps: readonly Step[], names: readonly string[], source: ts.SourceFile): number | undefined {
    const step = [...steps].reverse().find((s) => names.includes(s.name));
    if (!step) return undefined;
    const value = Number(this.argText(step.args[0], source, step.name).replace(/_/g, ''));
    if (!Number.isFinite(value)) throw new Unsupported(`.${step.name}() needs a number literal`);
    return value;
  }

  private argText(arg: ts.Expression | undefined, source: ts.SourceFile, what: string): string {
    if (!arg) throw new Unsupported(`${what}() needs an argument`);
    const literal = ts.isPrefixUnaryExpression(arg) ? arg.operand : arg;
    if (
      !ts.isNumericLiteral(literal) &&
      !ts.isStringLiteral(literal) &&
      literal.kind !== ts.SyntaxKind.TrueKeyword &&
      literal.kind !== ts.SyntaxKind.FalseKeyword
    ) {
      throw new Unsupported(`${what}() needs a literal argument`);
    }
    return arg.getText(source);
  }

  /** `z.iso.datetime` → `iso.datetime`; anything not rooted at `z` is unsupported. */
  private builder(callee: ts.Expression, source: ts.SourceFile, strict = true): string {
    const parts: string[] = [];
    let node: ts.Expression = callee;
    while (ts.isPropertyAccessExpression(node)) {
      parts.unshift(node.name.text);
      node = node.expression;
    }
    if (!ts.isIdentifier(node) || node.text !== 'z' || parts.length === 0) {
      if (!strict) return '';
      throw new Unsupported(`cannot read "${callee.getText(source)}" as a zod builder`);
    }
    return parts.join('.');
  }

  /** Splits `z.string().min(1).max(9)` into the base call `z.string()` and its steps `min`, `max`. */
  private unwind(node: ts.Expression): { base: ts.Expression; steps: Step[] } {
    const steps: Step[] = [];
    let current = node;
    while (
      ts.isParenthesizedExpression(current) ||
      ts.isAsExpression(current) ||
      ts.isSatisfiesExpression(current)
    ) {
      current = current.expression;
    }
    while (
      ts.isCallExpression(current) &&
      ts.isPropertyAccessExpression(current.expression) &&
      !this.isBuilderCallee(current.expression)
    ) {
      steps.unshift({ name: current.expression.name.text, args: current.arguments });
      current = current.expression.expression;
    }
    return { base: current, steps };
  }

  private isBuilderCallee(callee: ts.PropertyAccessExpression): boolean {
    let node: ts.Expression = callee;
    while (ts.isPropertyAccessExpression(node)) node = node.expression;
    return ts.isIdentifier(node) && node.text === 'z';
  }
}
