import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { formatDiagnostic } from '../../src/catalog/diagnostic.js';
import { CATALOG_YAML, src, tierYaml } from '../support/sources.js';

/**
 * A secret-shaped value in a tier file is refused at its line: plans mask secrets by shape,
 * so a plan holding one could never be applied (its recorded tier would not match the file),
 * and the value should not be committed in the first place.
 */
function problems(tier: string, catalog = CATALOG_YAML): string[] {
  const r = loadCatalog(src('tiers/catalog.yaml', catalog), [src('tiers/t.yaml', tier)]);
  return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
}

describe('secret-shaped values in tier files', () => {
  it.each([
    ['a live secret key in a description', `${tierYaml('aa')}description: key sk_live_51Habcdefghij\n`, /^tiers\/t\.yaml:8:14: value looks like a Stripe API key;.*\(remove it, roll the key/],
    ['a restricted test key as a name', tierYaml('aa').replace('name: Aa', 'name: rk_test_abcd1234'), /^tiers\/t\.yaml:2:7: value looks like a Stripe API key/],
    ['a database URL with a password', `${tierYaml('aa')}description: "see postgres://app:hunter22@db:5432/prod"\n`, /^tiers\/t\.yaml:8:14: value looks like a URL with a password;.*\(remove the password/],
  ])('refuses %s at its position', (_label, text, message) => {
    const found = problems(text);
    expect(found.some((p) => message.test(p)), found.join('\n')).toBe(true);
  });

  it('refuses one in catalog.yaml too', () => {
    const found = problems(tierYaml('aa'), CATALOG_YAML.replace('Create batches', 'Create batches sk_test_abcdefgh1234'));
    expect(found.some((p) => /^tiers\/catalog\.yaml:2:19: value looks like a Stripe API key/.test(p)), found.join('\n')).toBe(true);
  });

  it('accepts look-alikes that are not secrets', () => {
    expect(problems(`${tierYaml('aa')}description: "sk_ prefix, sk_test_ alone, https://example.com/a:b and user@host"\n`)).toEqual([]);
  });
});
