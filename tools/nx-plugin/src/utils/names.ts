/** Lower-case kebab words, as service, contract and handler names are written: `order-placed`. */
const kebabPattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Whether `value` is lower-case kebab words. */
export function isKebab(value: string): boolean {
  return kebabPattern.test(value);
}

/** Throws a clear error unless `value` is lower-case kebab words. */
export function assertKebab(value: string, what: string, example: string): void {
  if (!isKebab(value)) {
    throw new Error(
      `${what} "${value}" must be lower-case kebab words (a-z, 0-9, single dashes), e.g. "${example}"`,
    );
  }
}

/** `orders.order-placed` → `OrdersOrderPlaced`. */
export function pascalCase(name: string): string {
  return name
    .split(/[.-]/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** `order-history` → `orderHistory`. */
export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
}

/** `HandleOrderPlacedV2` → `handle-order-placed-v2`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** `order-placed` → `Order placed`. */
export function sentenceCase(name: string): string {
  const words = name.split('-').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A single-quoted TypeScript string literal of `text`. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r?\n/g, ' ')}'`;
}

/** `text` made safe inside a `/** ... *\/` doc comment. */
export function docText(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\r?\n/g, ' ');
}

/** `chat` → `chat's`, `orders` → `orders'`. */
export function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}
