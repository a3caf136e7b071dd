import { Buffer } from 'node:buffer';

/**
 * Rows are stored in keyv's own format, so data written by keyv (and by earlier versions of this
 * bot) stays readable: JSON where a string value that starts with ':' carries one more ':' and a
 * Buffer is `":base64:…"`. keyv's serializer builds that JSON by recursive string concatenation and
 * its parser runs a reviver on every value; with 100,000 subscriptions walked per event they were a
 * tenth of the leader's CPU. These produce and accept the same text with the native JSON functions.
 */
export const encodeRow = (data: unknown): string =>
  JSON.stringify(data, function (this: Record<string, unknown>, key: string, value: unknown) {
    // `this[key]` is the value before its toJSON (a Buffer's toJSON would give {type, data}).
    const raw = key === '' ? data : this[key];
    if (Buffer.isBuffer(raw)) return `:base64:${raw.toString('base64')}`;
    return typeof value === 'string' && value.startsWith(':') ? `:${value}` : value;
  }) ?? 'null';

const revive = (_key: string, value: unknown): unknown => {
  if (typeof value !== 'string' || !value.startsWith(':')) return value;
  return value.startsWith(':base64:') ? Buffer.from(value.slice(8), 'base64') : value.slice(1);
};

/**
 * In compact JSON a string value opens with a quote right after ':', '[' or ',' (or at the very
 * start): only text with such a quote followed by ':' can hold an escaped string, and only it pays
 * for the reviver. A key ending in one of those characters is a false alarm, which costs time only.
 */
const MAY_HOLD_ESCAPED = /[:[,]":|^":/;

export const decodeRow = (raw: string): unknown => (MAY_HOLD_ESCAPED.test(raw) ? JSON.parse(raw, revive) : JSON.parse(raw));
