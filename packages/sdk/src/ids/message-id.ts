import { randomFillSync } from 'node:crypto';
import { hexDigit } from './hex-digit.js';

const pool = Buffer.alloc(16 * 256);
let offset = pool.length;
let lastMs = -1;
let counter = 0;

/**
 * A new UUIDv7: unique, and ordered by creation within this process even inside one millisecond (the 12 bits
 * after the version count up, RFC 9562 method 1), so queues, logs and feeds sort by it.
 */
export function messageId(now: number = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 16);
  offset += 16;
  if (now > lastMs) {
    lastMs = now;
    counter = ((bytes[6] ?? 0) & 0x07) * 256 + (bytes[7] ?? 0);
  } else {
    counter += 1;
    if (counter > 0xfff) {
      lastMs += 1;
      counter = 0;
    }
  }
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The ms timestamp a UUIDv7 message id starts with (every id {@link messageId} makes), or undefined for any other
 * id. Read without making substrings: the AMQP transport calls it for every message.
 */
export function timeOfMessageId(id: string): number | undefined {
  if (id.length !== 36 || id.charCodeAt(14) !== 0x37 /* '7' */ || id.charCodeAt(8) !== 0x2d /* '-' */) return undefined;
  let ms = 0;
  // 48 bits: the first 8 hex digits, then the 4 after the dash.
  for (let i = 0; i < 13; i += 1) {
    if (i === 8) continue;
    const digit = hexDigit(id.charCodeAt(i));
    if (digit < 0) return undefined;
    ms = ms * 16 + digit;
  }
  return ms;
}
