import { Lexer } from 'yaml';

/** More keys and list items than any tier file or catalog needs (the reference catalog has ~100). */
export const MAX_ENTRIES = 20_000;
/** Anchors are handy for sharing a list inside one file; thousands are an alias bomb. */
export const MAX_ALIAS_COUNT = 100;
/** Brackets nested deeper than this are hostile (the parser recurses per level). */
export const MAX_FLOW_DEPTH = 32;
/**
 * Below this size a file cannot hold enough entries or aliases to be slow, so the
 * pre-scan is skipped (a catalog of 10,000 tier files pays nothing for it).
 */
export const PRESCAN_MIN_BYTES = 8 * 1024;

export interface BoundsProblem {
  offset: number;
  message: string;
  hint: string;
}

// The lexer's zero-width markers (document start, flow error, scalar): not source text.
const MARKERS = new Set(['\u0002', '\u0018', '\u001f']);

/**
 * Counts what makes YAML parsing expensive before the document is composed: aliases (yaml
 * applies its own cap only while converting, after composing tens of thousands of them),
 * keys and list items (composing a 131,000-key mapping took minutes), bracket depth.
 * yaml's lexer is one linear pass over the text; nothing here holds more than a counter.
 * The PR workflow validates files from forks, so these bounds hold before any work that
 * grows with them.
 */
export function checkYamlBounds(text: string): BoundsProblem | undefined {
  if (text.length < PRESCAN_MIN_BYTES) return undefined;
  let offset = 0;
  let aliases = 0;
  let entries = 0;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (MARKERS.has(token)) continue;
    const c = token[0];
    if (c === '*') {
      if (++aliases > MAX_ALIAS_COUNT) return { offset, message: `more than ${MAX_ALIAS_COUNT} YAML aliases`, hint: 'write the values out; this many aliases looks like an alias bomb' };
    } else if (token === ':' || token === '-' || token === ',' || token === '?') {
      if (++entries > MAX_ENTRIES) return { offset, message: `more than ${MAX_ENTRIES} keys and list items in one file`, hint: 'a tier file holds a few dozen and a catalog a few hundred; check that this is the file you meant' };
    } else if (token === '[' || token === '{') {
      if (++depth > MAX_FLOW_DEPTH) return { offset, message: `value is nested more than ${MAX_FLOW_DEPTH} levels deep`, hint: 'tier files are three levels deep; this looks hostile or broken' };
    } else if (token === ']' || token === '}') {
      depth = Math.max(0, depth - 1);
    }
    offset += token.length;
  }
  return undefined;
}
