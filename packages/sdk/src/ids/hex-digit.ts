// The value of each lower-case hex digit by character code; -1 for every other character.
const DIGITS = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit += 1) DIGITS[digit.toString(16).charCodeAt(0)] = digit;

/** The value of the lower-case hex digit with character code `code` (0–15), or -1 for any other character. */
export function hexDigit(code: number): number {
  return code < 128 ? (DIGITS[code] as number) : -1;
}
