import type { Mark } from '../render/plan-lines.js';

/**
 * The Ink views' colours, kept in one place so the plan view, the prompt and the
 * progress view agree with the plain-text renderer (+ green, ~ yellow, - red, → cyan).
 * `color: false` (NO_COLOR, a dumb terminal) turns every colour off, not just some.
 */
export type Tone = 'green' | 'yellow' | 'red' | 'cyan' | 'gray';

const MARK_TONES: Record<Mark, Tone | undefined> = { '+': 'green', '~': 'yellow', '-': 'red', '→': 'cyan', '!': 'yellow', ' ': undefined };

export function markTone(mark: Mark): Tone | undefined {
  return MARK_TONES[mark];
}

/** Props for Ink's <Text>: a colour only when colours are wanted. */
export function tone(color: boolean, t: Tone | undefined): { color?: Tone } {
  return color && t ? { color: t } : {};
}

/** Bold follows colour, as in the plain-text renderer: without colour, no styling at all. */
export function strong(color: boolean): { bold?: true } {
  return color ? { bold: true } : {};
}
