/**
 * Characters that change how text looks rather than what it says: C0/C1 controls and
 * DEL (terminal escape sequences, carriage returns that overwrite a line), bidirectional
 * overrides and isolates (U+202A–202E, U+2066–2069, marks U+200E/200F/061C: "Trojan
 * Source" reordering), and zero-width characters (U+200B–200D, U+2060, U+FEFF) that hide
 * a difference between two names. U+200D is allowed between two emoji, where it joins
 * them (👩‍👧).
 */
export const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');
const EMOJI = /\p{Extended_Pictographic}/u;

/** The first invisible character of `text` (an emoji joiner excepted), or -1. */
export function firstInvisible(text: string): number {
  INVISIBLE_ALL.lastIndex = 0;
  for (let m = INVISIBLE_ALL.exec(text); m; m = INVISIBLE_ALL.exec(text)) {
    if (!isEmojiJoiner(text, m.index)) return m.index;
  }
  return -1;
}

function isEmojiJoiner(text: string, i: number): boolean {
  if (text[i] !== '\u200d') return false;
  const before = String.fromCodePoint(text.codePointAt(i - 1) ?? 0);
  const prev = text.codePointAt(i - 2);
  const beforeChar = prev !== undefined && prev > 0xffff ? String.fromCodePoint(prev) : before;
  // allow a variation selector (U+FE0F) between the emoji and the joiner
  const after = String.fromCodePoint(text.codePointAt(i + 1) ?? 0);
  return (EMOJI.test(beforeChar) || EMOJI.test(before) || text[i - 1] === '\ufe0f') && EMOJI.test(after);
}

/** `U+202E` style name of a character, for error messages. */
export function codePointName(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Text from the database or Stripe made safe for one line of a terminal or a PR comment:
 * every invisible character becomes a visible `\u{…}` escape, so an escape sequence
 * cannot recolour the reviewer's terminal and a bidi override cannot reorder a line.
 */
export function visible(text: string): string {
  if (firstInvisible(text) < 0) return text;
  return text.replace(INVISIBLE_ALL, (ch, offset: number) => (isEmojiJoiner(text, offset) ? ch : `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`));
}

/** As `visible`, keeping line breaks and tabs (error messages that span lines). */
export function visibleMultiline(text: string): string {
  return text.split('\n').map((line) => visible(line.replace(/\t/g, '  '))).join('\n');
}

/**
 * Format characters that are invisible but not controls (C1, bidi, zero-width). Tier files
 * refuse them in any value, escaped or not; C0 controls in values are the schema's job.
 */
const HIDDEN_FORMAT = /[\u0080-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/gu;

export function firstHiddenFormat(text: string): number {
  HIDDEN_FORMAT.lastIndex = 0;
  for (let m = HIDDEN_FORMAT.exec(text); m; m = HIDDEN_FORMAT.exec(text)) {
    if (!isEmojiJoiner(text, m.index)) return m.index;
  }
  return -1;
}

/** First invisible character of a raw file (tab, line feed and carriage return are layout). */
export function firstInvisibleInSource(text: string): number {
  INVISIBLE_ALL.lastIndex = 0;
  for (let m = INVISIBLE_ALL.exec(text); m; m = INVISIBLE_ALL.exec(text)) {
    const ch = m[0];
    if (ch === '\t' || ch === '\n' || ch === '\r') continue;
    if (!isEmojiJoiner(text, m.index)) return m.index;
  }
  return -1;
}

const NAMES: Record<string, string> = {
  '\u202a': 'left-to-right embedding', '\u202b': 'right-to-left embedding', '\u202c': 'pop directional formatting',
  '\u202d': 'left-to-right override', '\u202e': 'right-to-left override', '\u2066': 'left-to-right isolate',
  '\u2067': 'right-to-left isolate', '\u2068': 'first strong isolate', '\u2069': 'pop directional isolate',
  '\u200e': 'left-to-right mark', '\u200f': 'right-to-left mark', '\u061c': 'Arabic letter mark',
  '\u200b': 'zero-width space', '\u200c': 'zero-width non-joiner', '\u200d': 'zero-width joiner', '\u2060': 'word joiner', '\ufeff': 'zero-width no-break space',
  '\u001b': 'escape', '\u0000': 'NUL', '\u007f': 'delete',
};

/** "U+202E (right-to-left override)". */
export function describeInvisible(ch: string): string {
  const name = NAMES[ch] ?? ((ch.codePointAt(0) ?? 0) < 0x20 || ((ch.codePointAt(0) ?? 0) >= 0x7f && (ch.codePointAt(0) ?? 0) <= 0x9f) ? 'control character' : 'invisible character');
  return `${codePointName(ch)} (${name})`;
}

export const INVISIBLE_HINT = 'delete it: control, bidirectional and zero-width characters change how text looks in a terminal or a review, not what it says';
