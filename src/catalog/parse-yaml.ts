import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { Diagnostic } from './diagnostic.js';
import { bytePosition, firstInvalidUtf8Offset } from './utf8.js';
import { MAX_ALIAS_COUNT, checkYamlBounds } from './yaml-bounds.js';
import { secretShape } from '../secrets.js';
import { INVISIBLE_HINT, describeInvisible, firstHiddenFormat, firstInvisibleInSource } from '../render/visible.js';

/** Larger files are refused before parsing: a tier file is a few hundred bytes. */
export const MAX_FILE_BYTES = 1024 * 1024;
export { MAX_ALIAS_COUNT } from './yaml-bounds.js';
/** Tier files are three levels deep; anything far deeper is hostile or broken. */
export const MAX_DEPTH = 32;
/** Keys that would reach Object.prototype when turned into JavaScript objects. */
// `constructor` is an ordinary name (a permission or limit may be called that): every
// key-indexed record in tierctl is prototype-free (src/dict.ts). `__proto__` is refused because
// other YAML tools turn it into a prototype change, so the file would mean different things.
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype']);

export interface Position {
  line: number;
  col: number;
}

/**
 * A parsed YAML file: its plain value and the position of every node by JSON pointer.
 * The position maps are built on first use (only errors need them): at 10,000 tiers
 * they would hold ~450,000 entries, several times the size of the catalog itself.
 */
export interface ParsedYaml {
  file: string;
  value: Record<string, unknown>;
  /** JSON pointer ("/billing/lookup_keys/0") -> position of the value node. */
  readonly valueAt: Map<string, Position>;
  /** JSON pointer of a map entry -> position of its key. */
  readonly keyAt: Map<string, Position>;
  /** The same file holding only its text; value and positions are parsed again when asked for. */
  withoutValue(): ParsedYaml;
}

export type ParseResult = { ok: true; parsed: ParsedYaml } | { ok: false; diagnostics: Diagnostic[] };

export function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Position of a pointer, falling back to the nearest ancestor that has one. */
export function locate(parsed: ParsedYaml, ptr: string, key = false): Position {
  const own = key ? parsed.keyAt.get(ptr) ?? parsed.valueAt.get(ptr) : parsed.valueAt.get(ptr);
  if (own) return own;
  let p = ptr;
  while (p.length > 0) {
    p = p.slice(0, p.lastIndexOf('/'));
    const pos = parsed.valueAt.get(p);
    if (pos) return pos;
  }
  return { line: 1, col: 1 };
}

/**
 * Parses one YAML file, pure: bytes in, value and positions (or diagnostics) out.
 * Every trap is reported at its line: invalid UTF-8, syntax errors, duplicate keys,
 * several documents, aliases past the cap, prototype keys, non-mapping roots.
 */
export function parseYaml(file: string, bytes: Uint8Array): ParseResult {
  const fail = (message: string, pos: Position = { line: 1, col: 1 }, hint?: string): ParseResult => ({
    ok: false,
    diagnostics: [{ file, ...pos, message, ...(hint ? { hint } : {}) }],
  });

  if (bytes.length > MAX_FILE_BYTES) {
    return fail(`file is ${bytes.length} bytes, over the ${MAX_FILE_BYTES}-byte limit for tier files`, undefined,
      'a tier file is a few hundred bytes; check that this is the file you meant');
  }
  const bad = firstInvalidUtf8Offset(bytes);
  if (bad >= 0) return fail('file is not valid UTF-8', bytePosition(bytes, bad), 'save the file as UTF-8');

  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  // Raw invisible characters anywhere, comments included ("Trojan Source"), at their exact column.
  const hidden = firstInvisibleInSource(text);
  if (hidden >= 0) {
    return fail(`invisible character ${describeInvisible(String.fromCodePoint(text.codePointAt(hidden) ?? 0))} in the file`, positionIn(text, hidden), INVISIBLE_HINT);
  }

  // Bounded before composing: the composer's cost grows with entries and aliases.
  const bounds = checkYamlBounds(text);
  if (bounds) return fail(bounds.message, positionIn(text, bounds.offset), bounds.hint);

  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseDocuments(text, lineCounter);
  } catch (err) {
    if (err instanceof RangeError) return fail('file is nested too deeply to parse');
    throw err;
  }
  const at = (offset: number): Position => lineCounter.linePos(offset);

  if (!Array.isArray(docs) || docs.length === 0 || (docs.length === 1 && docs[0]?.contents === null && docs[0].errors.length === 0)) {
    return fail('file is empty', undefined, 'a tier file holds one mapping with at least key, name and billing');
  }
  const [doc] = docs as [Document.Parsed, ...Document.Parsed[]];
  const diagnostics: Diagnostic[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    diagnostics.push({ file, ...at(e.pos[0]), message: yamlMessage(e.message, e.code) });
  }
  if (docs.length > 1) {
    const second = docs[1] as Document.Parsed;
    diagnostics.push({ file, ...at(second.range[0]), message: 'file holds more than one YAML document', hint: 'keep one tier per file and remove the `---` separator' });
  }
  if (diagnostics.length) return { ok: false, diagnostics };

  const root = doc.contents;
  if (!isMap(root)) {
    const pos = root && root.range ? at(root.range[0]) : { line: 1, col: 1 };
    return fail(`expected a mapping of fields, found ${describeNode(root)}`, pos);
  }

  let aliases = 0;
  let firstAlias: number | undefined;
  const walk = (node: Node | null | undefined, depth: number): void => {
    if (!node) return;
    if (depth > MAX_DEPTH) {
      diagnostics.push({ file, ...at(node.range?.[0] ?? 0), message: `value is nested more than ${MAX_DEPTH} levels deep` });
      return;
    }
    // Written as an escape ("\u202e"), a bidi or zero-width character is as invisible once parsed.
    if (isScalar(node) && typeof node.value === 'string') {
      const i = firstHiddenFormat(node.value);
      if (i >= 0) diagnostics.push({ file, ...at(node.range?.[0] ?? 0), message: `value holds the invisible character ${describeInvisible(String.fromCodePoint(node.value.codePointAt(i) ?? 0))}`, hint: INVISIBLE_HINT });
      const secret = secretShape(node.value);
      if (secret) diagnostics.push({ file, ...at(node.range?.[0] ?? 0), message: `value looks like ${secret}; tier files are committed, and plans mask secrets, so a plan holding it could not be applied`, hint: secret === 'a Stripe API key' ? 'remove it, roll the key in the Stripe dashboard (Developers > API keys), and give tierctl the key only through $STRIPE_API_KEY' : 'remove the password from the URL; tierctl reads the database URL only from --database or $DATABASE_URL' });
      return;
    }
    if (isAlias(node)) {
      aliases++;
      const start = node.range?.[0] ?? 0;
      firstAlias ??= start;
      if (aliases === MAX_ALIAS_COUNT + 1) {
        diagnostics.push({ file, ...at(start), message: `more than ${MAX_ALIAS_COUNT} YAML aliases`, hint: 'write the values out; this many aliases looks like an alias bomb' });
      }
      return;
    }
    if (isMap(node)) {
      // A Set, not yaml's uniqueKeys (which compares each key with every earlier one).
      const seen = new Set<string>();
      for (const pair of node.items as Pair<Node, Node>[]) {
        const key = pair.key;
        if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) {
          diagnostics.push({ file, ...at(nodeStart(key, node)), message: 'mapping keys must be plain strings' });
          continue;
        }
        const name = String(key.value);
        if (seen.has(name)) {
          diagnostics.push({ file, ...at(nodeStart(key, node)), message: `duplicate key: Map keys must be unique ("${name}" appears twice)` });
          continue;
        }
        seen.add(name);
        if (FORBIDDEN_KEYS.has(name)) {
          diagnostics.push({ file, ...at(nodeStart(key, node)), message: `"${name}" is not allowed as a key`, hint: 'it would reach the JavaScript object prototype' });
          continue;
        }
        walk(pair.value, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item) => walk(item as Node, depth + 1));
    } else if (isPair(node)) {
      diagnostics.push({ file, ...at(0), message: 'unexpected key/value pair' });
    }
  };
  walk(root, 0);
  if (diagnostics.length) return { ok: false, diagnostics };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Few aliases, nested (billion laughs): yaml stops the exponential expansion; point at the aliases.
    if (/alias/i.test(message) && firstAlias !== undefined) {
      return fail(`YAML aliases expand to too many values (${message})`, at(firstAlias), 'write the values out; nested aliases like these are an alias bomb');
    }
    return fail(`could not read the file: ${message}`);
  }
  return { ok: true, parsed: parsedSource(file, text, value as Record<string, unknown>) };
}

/**
 * The ParsedYaml of a file that passed `parseYaml`. Built outside `parseYaml` so its getters
 * close over the text and value only, not over the parser's LineCounter, diagnostics and
 * helpers (one such scope per tier file stays alive as long as the catalog's sources).
 */
function parsedSource(file: string, text: string, value: Record<string, unknown>): ParsedYaml {
  let index: PositionIndex | undefined;
  const positions = () => (index ??= indexPositions(text));
  return {
    file,
    value,
    get valueAt() {
      return positions().valueAt;
    },
    get keyAt() {
      return positions().keyAt;
    },
    withoutValue: () => sourceOnly(file, text),
  };
}

/**
 * The same file kept only as its text: value and positions are parsed again on first use.
 * What the loader keeps of each tier file once the catalog is built (the catalog holds the
 * values; positions are only for errors found later), so the files' parsed values are not
 * kept next to the catalog: live heap after loading 10,000 files 41 MB -> 31 MB, less for every
 * later phase and collection to walk.
 */
function sourceOnly(file: string, text: string): ParsedYaml {
  let parsed: ParsedYaml | undefined;
  const full = (): ParsedYaml => (parsed ??= reparse(file, text));
  return {
    file,
    get value() {
      return full().value;
    },
    get valueAt() {
      return full().valueAt;
    },
    get keyAt() {
      return full().keyAt;
    },
    withoutValue: () => sourceOnly(file, text),
  };
}

/** Parses again a text that already passed `parseYaml` (so it is one valid document). */
function reparse(file: string, text: string): ParsedYaml {
  const [doc] = parseDocuments(text, new LineCounter());
  return parsedSource(file, text, (doc?.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as Record<string, unknown>);
}

function parseDocuments(text: string, lineCounter: LineCounter): Document.Parsed[] {
  return parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true, merge: false }) as Document.Parsed[];
}

interface PositionIndex {
  valueAt: Map<string, Position>;
  keyAt: Map<string, Position>;
}

/**
 * Re-parses a file that already passed `parseYaml` (so it is one document within the
 * depth cap, without forbidden keys) and records where every node starts.
 */
function indexPositions(text: string): PositionIndex {
  const lineCounter = new LineCounter();
  const [doc] = parseDocuments(text, lineCounter);
  const valueAt = new Map<string, Position>();
  const keyAt = new Map<string, Position>();
  const visit = (node: Node | null | undefined, path: (string | number)[]): void => {
    if (!node) return;
    if (node.range) valueAt.set(pointer(path), lineCounter.linePos(node.range[0]));
    if (isMap(node)) {
      for (const pair of node.items as Pair<Node, Node>[]) {
        if (!isScalar(pair.key)) continue;
        const childPath = [...path, String(pair.key.value)];
        if (pair.key.range) keyAt.set(pointer(childPath), lineCounter.linePos(pair.key.range[0]));
        visit(pair.value, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item as Node, [...path, i]));
    }
  };
  visit(doc?.contents, []);
  return { valueAt, keyAt };
}

/** Line and column of an offset, for problems found before the parser's LineCounter exists. */
function positionIn(text: string, offset: number): Position {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

function nodeStart(node: unknown, parent: Node): number {
  const range = (node as Node | null)?.range ?? parent.range;
  return range ? range[0] : 0;
}

function describeNode(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'null' : `the ${typeof node.value} ${JSON.stringify(node.value)}`;
  return 'something else';
}

/** yaml's messages sometimes end with a source excerpt; keep the first sentence. */
function yamlMessage(message: string, code: string): string {
  const first = message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '').trim() ?? message;
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${first}`;
  // The parser ran out of stack on thousands of nested brackets: say what that means.
  if (/Maximum call stack size exceeded/.test(first)) return 'value is nested too deeply to parse';
  return first;
}
