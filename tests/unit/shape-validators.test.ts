import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogSchema, tierSchema } from '../../src/catalog/schemas.js';
import { SHAPE_VALIDATORS_FILE, shapeValidatorsSource } from '../../src/catalog/shape-validators-source.js';
import { catalog as generatedCatalog, tier as generatedTier } from '../../src/catalog/shape-validators.generated.js';
import { ROOT } from '../support/cli.js';

/**
 * The tier and catalog validators tierctl runs are generated ahead of time from schemas.ts
 * (src/catalog/shape-validators-source.ts). These tests fail when the generated module is
 * stale (schemas.ts edited without `npm run schemas`) or when the generated code judges a
 * document differently from ajv compiling schemas.ts at run time, error for error.
 */
describe('precompiled tier and catalog validators', () => {
  it(`${SHAPE_VALIDATORS_FILE} is what schemas.ts generates (run \`npm run schemas\` after editing the schema source)`, () => {
    expect(readFileSync(path.join(ROOT, SHAPE_VALIDATORS_FILE), 'utf8')).toBe(shapeValidatorsSource());
  });

  it('the generated code reports exactly what ajv compiling schemas.ts reports, on valid and hostile files', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true, validateSchema: false });
    const compiled = { tier: ajv.compile(tierSchema), catalog: ajv.compile(catalogSchema) };
    const generated = { tier: generatedTier, catalog: generatedCatalog };
    const docs: { file: string; value: unknown }[] = [];
    const collect = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) collect(p);
        else if (name.endsWith('.yaml')) {
          try {
            docs.push({ file: p, value: parse(readFileSync(p, 'utf8'), { maxAliasCount: 100, logLevel: 'silent' }) as unknown });
          } catch {
            // Not YAML the parser accepts: the validators never see it.
          }
        }
      }
    };
    collect(path.join(ROOT, 'tiers'));
    collect(path.join(ROOT, 'examples'));
    collect(path.join(ROOT, 'tests', 'fixtures', 'hostile'));
    // Shapes the files above may not hold: wrong types at every level, and one past each bound.
    const long = (n: number) => 'a'.repeat(n);
    for (const value of [
      { key: long(33), name: long(129), description: long(4001), display_order: 1_000_001, renamed_from: [long(32), long(33)], billing: { provider: 'whop', product_key: 'prod_', fallback_price: long(33) } },
      { key: long(32), name: long(128), description: long(4000), display_order: 1_000_000, billing: { provider: 'stripe', lookup_keys: [long(201)] }, columns: { ['_'.repeat(64)]: long(4001) } },
      { storage: { billing_keys: { table: 'a.b.c', tier_column: '1x', provider_column: 'p', key_column: 'k', extra: 1 }, bookkeeping_prefix: 'Tierctl' } },
null, 1, 'x', [], {}, { key: 'A', name: 7, billing: { provider: 'paypal' }, limits: { a: -1, b: 2 ** 60 }, permissions: ['x', 'x'] }, { permissions: { 'a.b': { stripe_feature: 1 } }, limits: [] }]) {
      docs.push({ file: JSON.stringify(value), value });
    }
    expect(docs.length).toBeGreaterThan(40);
    let invalid = 0;
    const run = (v: ValidateFunction, value: unknown) => ({ ok: v(value), errors: v.errors ?? null });
    for (const { file, value } of docs) {
      for (const kind of ['tier', 'catalog'] as const) {
        const want = run(compiled[kind], value);
        const got = run(generated[kind], value);
        expect(got, `${kind} schema on ${file}`).toEqual(want);
        if (!want.ok) invalid++;
      }
    }
    // Both outcomes were exercised, not only the happy path.
    expect(invalid).toBeGreaterThan(20);
  });
});
