import { BugError } from '../errors.js';

/** JSON with object keys sorted at every level: equal values give equal bytes. */
export function canonicalJson(value: unknown): string {
  // As JSON.stringify: nothing to write (undefined) gives undefined, which compares unequal to any text.
  if (value === undefined) return undefined as unknown as string;
  const parts: string[] = [];
  writeCanonical(value, (text) => parts.push(text));
  return parts.join('');
}

/** Pieces of text this size are handed to the sink at once (a hash's update, a string builder). */
const CHUNK = 64 * 1024;

/**
 * The text of `canonicalJson(value)`, handed to `sink` in pieces of about 64 KiB, without
 * building a sorted copy of the value or the whole text: a fingerprint of a 10,000-tier
 * catalog then costs a hash, not two copies of the catalog (issue 10's memory target).
 * Byte for byte what `JSON.stringify` of a key-sorted copy gives: undefined, functions and
 * symbols are left out of objects and written as null in arrays.
 */
export function writeCanonical(value: unknown, sink: (text: string) => void): void {
  let buffer = '';
  const out = (text: string) => {
    buffer += text;
    if (buffer.length >= CHUNK) {
      sink(buffer);
      buffer = '';
    }
  };
  const top = write(value, out);
  if (!top) throw new BugError('cannot write canonical JSON of nothing');
  if (buffer) sink(buffer);
}

/** What JSON.stringify escapes in a string: quote, backslash, control characters, lone surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A JSON string literal. Most keys and values need no escaping: quoting them directly skips
 * JSON.stringify's per-call cost (a tenth of plan's own time at 10,000 tiers). Anything that
 * might need an escape, surrogate pairs included, goes through JSON.stringify.
 */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** Writes one value; false when JSON has no text for it (undefined, a function, a symbol). */
function write(value: unknown, out: (text: string) => void): boolean {
  switch (typeof value) {
    case 'string':
      out(quote(value));
      return true;
    case 'boolean':
      out(value ? 'true' : 'false');
      return true;
    case 'number':
      // JSON.stringify writes NaN and Infinity as null: a garbage limit would fingerprint as
      // "unlimited" and hide as no drift. Readers refuse such values; this is the last guard.
      if (!Number.isFinite(value)) throw new BugError(`cannot fingerprint the number ${value}`);
      // For a finite number String() and JSON.stringify() give the same text (-0 included).
      out(String(value));
      return true;
    case 'bigint':
      throw new BugError('cannot fingerprint a bigint');
    case 'undefined':
    case 'function':
    case 'symbol':
      return false;
  }
  if (value === null) {
    out('null');
    return true;
  }
  if (Array.isArray(value)) {
    out('[');
    for (let i = 0; i < value.length; i++) {
      if (i) out(',');
      if (!write(value[i], out)) out('null');
    }
    out(']');
    return true;
  }
  // Own enumerable keys, sorted; `__proto__` is a key like any other.
  const record = value as Record<string, unknown>;
  let first = true;
  out('{');
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out(first ? `${quote(key)}:` : `,${quote(key)}:`);
    first = false;
    write(v, out);
  }
  out('}');
  return true;
}
