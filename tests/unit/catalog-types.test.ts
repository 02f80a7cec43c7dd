import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { renderCatalogTypes } from '../../src/codegen/catalog-types.js';
import { CATALOG_YAML, src, tierYaml } from '../support/sources.js';

const load = (tiers: [string, string][], catalog = CATALOG_YAML) => {
  const r = loadCatalog(src('tiers/catalog.yaml', catalog), tiers.map(([f, t]) => src(f, t)));
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.loaded;
};

describe('renderCatalogTypes', () => {
  it('gives the same bytes whatever order the files came in, with every name sorted', () => {
    const a = renderCatalogTypes(load([['tiers/zeta.yaml', tierYaml('zeta')], ['tiers/alpha.yaml', tierYaml('alpha')]]), 'tiers');
    const b = renderCatalogTypes(load([['tiers/alpha.yaml', tierYaml('alpha')], ['tiers/zeta.yaml', tierYaml('zeta')]]), 'tiers');
    expect(a).toBe(b);
    expect(a).toContain('export const TIER_KEYS = [\n  "alpha",\n  "zeta",\n] as const;');
    expect(a).toContain('export const PERMISSION_NAMES = [\n  "batches.create",\n  "inventory.view",\n] as const;');
    expect(a).toContain('export const LIMIT_NAMES = [\n  "batches_per_month",\n  "users",\n] as const;');
    expect(a).not.toMatch(/\d{4}-\d{2}-\d{2}/); // no timestamps
  });

  it('writes an empty tuple (type never) for a catalog without limits', () => {
    const text = renderCatalogTypes(load([['tiers/alpha.yaml', tierYaml('alpha').replace('limits: { users: 1 }\n', '')]], 'permissions:\n  inventory.view: View\nlimits: {}\n'), 'tiers');
    expect(text).toContain('export const LIMIT_NAMES = [] as const;');
  });
});
