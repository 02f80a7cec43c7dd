import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { formatDiagnostic } from '../../src/catalog/diagnostic.js';
import { CATALOG_YAML, src, tierYaml } from '../support/sources.js';

/**
 * Issue 15 item 14: tier files refuse bidi overrides, zero-width and control characters at
 * their exact line and column, raw or written as YAML escapes, in values and in comments.
 */
function problems(tier: string): string[] {
  const r = loadCatalog(src('tiers/catalog.yaml', CATALOG_YAML), [src('tiers/t.yaml', tier)]);
  return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
}

describe('invisible characters in tier files', () => {
  it.each([
    ['a raw right-to-left override in a name', tierYaml('aa').replace('name: Aa', 'name: Ad\u202emin'), /^tiers\/t\.yaml:2:9: invisible character U\+202E \(right-to-left override\) in the file \(delete it/],
    ['a raw isolate in a description', `${tierYaml('aa')}description: ok \u2066hidden\u2069\n`, /^tiers\/t\.yaml:8:17: invisible character U\+2066 \(left-to-right isolate\)/],
    ['a raw zero-width space in a lookup key', tierYaml('aa').replace('aa_monthly', 'aa_mon\u200bthly'), /^tiers\/t\.yaml:5:23: invisible character U\+200B \(zero-width space\)/],
    ['a bidi override in a comment', `# harmless \u202e comment\n${tierYaml('aa')}`, /^tiers\/t\.yaml:1:12: invisible character U\+202E/],
    ['a raw escape byte', tierYaml('aa').replace('name: Aa', 'name: A\u001b[2Ja'), /^tiers\/t\.yaml:2:8: invisible character U\+001B \(escape\)/],
    ['a C1 control', tierYaml('aa').replace('name: Aa', 'name: A\u009b31ma'), /^tiers\/t\.yaml:2:8: invisible character U\+009B \(control character\)/],
    ['an escaped right-to-left override', tierYaml('aa').replace('name: Aa', 'name: "Ad\\u202emin"'), /^tiers\/t\.yaml:2:7: value holds the invisible character U\+202E \(right-to-left override\)/],
    ['an escaped zero-width joiner between letters', tierYaml('aa').replace('name: Aa', 'name: "A\\u200Da"'), /^tiers\/t\.yaml:2:7: value holds the invisible character U\+200D \(zero-width joiner\)/],
    ['an escaped word joiner in a permission', tierYaml('aa').replace('[inventory.view]', '["inventory\\u2060.view"]'), /^tiers\/t\.yaml:7:\d+: value holds the invisible character U\+2060/],
  ])('refuses %s at its position', (_label, text, message) => {
    const found = problems(text);
    expect(found.some((p) => message.test(p)), found.join('\n')).toBe(true);
  });

  it('accepts accents, right-to-left letters and emoji joined by U+200D', () => {
    expect(problems(tierYaml('aa').replace('name: Aa', 'name: "Ça שלום \u{1f469}\u200d\u{1f469}\u200d\u{1f467}"'))).toEqual([]);
  });

  it('accepts CRLF line ends and tabs', () => {
    expect(problems(`${tierYaml('aa')}description: "a\\tb"\n`.replace(/\n/g, '\r\n'))).toEqual([]);
  });
});
