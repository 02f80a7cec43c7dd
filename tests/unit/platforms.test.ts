import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { normaliseCatalog, type Catalog, type Tier } from '../../src/catalog/model.js';
import { parseTierRef, sameScopeRef, tierRef } from '../../src/catalog/tier-ref.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { diff, type DesiredState } from '../../src/plan/diff.js';
import { catalogFingerprint } from '../../src/plan/fingerprint.js';
import { projectChanges } from '../../src/plan/project-changes.js';
import { renderJson } from '../../src/render/json.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { CATALOG_YAML, src, tierYaml } from '../support/sources.js';
import { buildCatalogIndex, CatalogLookupError } from '../../src/runtime/catalog-index.js';
import { renderCatalogFiles } from '../../src/catalog/write-catalog-files.js';
import { renderCatalogTypes } from '../../src/codegen/catalog-types.js';
import { unknownPlatformProblems } from '../../src/plan/platform-check.js';
import { billingKeysOf, featureExpectations } from '../../src/billing/verifier.js';

const PLATFORMS = `platforms:
  loyalty: { name: Loyalty }
  oms: { name: Order management, description: The OMS product }
`;
const catalogWith = (extra = PLATFORMS) => src('tiers/catalog.yaml', CATALOG_YAML + extra);
/** A tier file on a platform, with its own lookup key (a price bills one tier, whatever its platform). */
const scoped = (key: string, platform: string, extra = '') => tierYaml(key, `platform: ${platform}\n${extra}`).replace(`[${key}_monthly]`, `[${key}_${platform}_monthly]`);

function load(files: Record<string, string>, catalog = catalogWith()) {
  return loadCatalog(catalog, Object.entries(files).map(([f, t]) => src(f, t)));
}
function problems(files: Record<string, string>, catalog = catalogWith()): string[] {
  const r = load(files, catalog);
  return r.ok ? [] : r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
}

describe('tier refs', () => {
  it('name a global tier by its key and a platform tier key@platform, and split back', () => {
    expect(tierRef({ key: 'essential' })).toBe('essential');
    expect(tierRef({ key: 'essential', platform: null })).toBe('essential');
    expect(tierRef({ key: 'essential', platform: 'loyalty' })).toBe('essential@loyalty');
    expect(parseTierRef('essential@loyalty')).toEqual({ key: 'essential', platform: 'loyalty' });
    expect(parseTierRef('essential')).toEqual({ key: 'essential', platform: null });
    expect(sameScopeRef('pro@loyalty', 'basic')).toBe('basic@loyalty');
    expect(sameScopeRef('pro', 'basic')).toBe('basic');
  });
});

describe('loading platform tiers', () => {
  it('takes the same key globally and on a platform, keyed essential and essential@loyalty', () => {
    const r = load({ 'tiers/essential.yaml': tierYaml('essential'), 'tiers/essential@loyalty.yaml': scoped('essential', 'loyalty') });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.keys(r.loaded.catalog.tiers)).toEqual(['essential', 'essential@loyalty']);
    expect(r.loaded.catalog.tiers['essential@loyalty']).toMatchObject({ key: 'essential', platform: 'loyalty' });
    expect(r.loaded.catalog.tiers['essential']).not.toHaveProperty('platform');
    expect(r.loaded.platforms).toEqual({ loyalty: { name: 'Loyalty' }, oms: { name: 'Order management', description: 'The OMS product' } });
    expect(Object.keys(r.loaded.sources)).toEqual(['essential', 'essential@loyalty']);
  });

  it('refuses a key twice on one platform, and twice among global tiers', () => {
    expect(problems({ 'tiers/a.yaml': scoped('essential', 'loyalty'), 'tiers/b.yaml': scoped('essential', 'loyalty').replace('essential_loyalty_monthly', 'other_monthly') })).toEqual([
      'tiers/b.yaml:1:6: tier key "essential" is already used on platform loyalty by tiers/a.yaml:1:6 (tier keys must be unique within a platform)',
    ]);
    expect(problems({ 'tiers/a.yaml': tierYaml('essential'), 'tiers/b.yaml': tierYaml('essential').replace('essential_monthly', 'other_monthly') })[0]).toMatch(/^tiers\/b\.yaml:1:6: tier key "essential" is already used by tiers\/a\.yaml:1:6 \(.*a platform tier may reuse a key/);
  });

  it('refuses an undeclared platform at its line, with the close one', () => {
    expect(problems({ 'tiers/a.yaml': scoped('essential', 'loyaly') })).toEqual([
      'tiers/a.yaml:8:11: platform "loyaly" is not declared in tiers/catalog.yaml (did you mean "loyalty"? Otherwise add it under platforms: in catalog.yaml)',
    ]);
    expect(problems({ 'tiers/a.yaml': scoped('essential', 'loyalty') }, catalogWith(''))).toEqual([
      'tiers/a.yaml:8:11: platform "loyalty" is not declared in tiers/catalog.yaml (add it under platforms: in catalog.yaml (code: { name: ... }), or fix the spelling)',
    ]);
  });

  it('refuses a platform code that cannot be one, and a platform without a name', () => {
    expect(problems({ 'tiers/a.yaml': scoped('essential', 'Loyalty/x') })[0]).toMatch(/^tiers\/a\.yaml:8:11: .*platform code/);
    expect(problems({ 'tiers/a.yaml': tierYaml('essential') }, catalogWith('platforms:\n  loyalty: {}\n'))[0]).toMatch(/^tiers\/catalog\.yaml:8:12: .*name/);
  });

  it('resolves renamed_from within the tier\'s own platform', () => {
    const r = load({ 'tiers/a.yaml': scoped('plus', 'loyalty', 'renamed_from: [basic]'), 'tiers/b.yaml': tierYaml('basic') });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.loaded.renamedFrom).toEqual({ 'plus@loyalty': ['basic@loyalty'] });
    // A live tier of that key on the same platform blocks the rename; one elsewhere does not.
    expect(problems({ 'tiers/a.yaml': scoped('plus', 'loyalty', 'renamed_from: [basic]'), 'tiers/b.yaml': scoped('basic', 'loyalty') })).toEqual([
      'tiers/a.yaml:9:16: renamed_from "basic" is the key of a live tier on platform loyalty (tiers/b.yaml:1:6) (a tier cannot be renamed while another file still uses its old key)',
    ]);
  });

  it('keeps the fingerprint of global tiers as it was before platforms existed', () => {
    const r = load({ 'tiers/essential.yaml': tierYaml('essential') });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(JSON.stringify(r.loaded.catalog)).not.toContain('platform');
  });
});

function tier(key: string, over: Partial<Tier> = {}): Tier {
  const ref = tierRef({ key, platform: over.platform });
  return { key, name: key, description: null, customer_facing: true, display_order: 0, status: 'active', protected: false, billing_provider: 'stripe', billing_keys: [`${ref}_m`], fallback_price: null, limits: {}, permissions: [], ...over };
}
const cat = (tiers: Tier[]): Catalog => normaliseCatalog({}, tiers);
const want = (tiers: Tier[], renamedFrom: Record<string, string[]> = {}): DesiredState => ({ catalog: cat(tiers), renamedFrom });
const loyalty = { platform: 'loyalty' };

describe('planning platform tiers', () => {
  it('creates the same key globally and on a platform as two tiers', () => {
    const { changes } = diff(want([tier('essential'), tier('essential', loyalty)]), cat([]));
    expect(changes.map((c) => `${c.action} ${(c as { tier: string }).tier}`)).toEqual(['create essential', 'create essential@loyalty']);
  });

  it('updates one of two tiers that share a key, leaving the other alone', () => {
    const { changes } = diff(want([tier('essential'), tier('essential', { ...loyalty, name: 'Essential (loyalty)' })]), cat([tier('essential'), tier('essential', loyalty)]));
    expect(changes).toEqual([{ kind: 'tier', action: 'update', tier: 'essential@loyalty', fields: { name: { before: 'essential', after: 'Essential (loyalty)' } } }]);
  });

  it('renames within a platform, keeping the platform', () => {
    const actual = cat([tier('basic', loyalty), tier('basic')]);
    const desired = want([tier('plus', { ...loyalty, name: 'basic', billing_keys: ['basic@loyalty_m'] }), tier('basic')], { 'plus@loyalty': ['basic@loyalty'] });
    const { changes, blocked } = diff(desired, actual);
    expect(blocked).toEqual([]);
    expect(changes).toEqual([{ kind: 'tier', action: 'rename', tier: 'plus@loyalty', from: 'basic@loyalty' }]);
    const after = projectChanges(actual, changes);
    expect(after.tiers['plus@loyalty']).toMatchObject({ key: 'plus', platform: 'loyalty' });
    expect(catalogFingerprint(after)).toBe(catalogFingerprint(desired.catalog));
  });

  it('refuses renamed_from that names a tier on another platform, saying why', () => {
    const { changes, blocked } = diff(want([tier('plus', loyalty)], { 'plus@loyalty': ['basic@loyalty'] }), cat([tier('basic')]));
    expect(changes).toEqual([]);
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({ tier: 'plus@loyalty', action: 'rename' });
    expect(blocked[0]?.reason).toContain('"basic", which is on global, not platform loyalty');
    expect(blocked[0]?.reason).toContain('a tier cannot move between platforms');
  });

  it('deletes a platform tier without touching the global tier of the same key', () => {
    const { changes } = diff(want([tier('essential')]), cat([tier('essential'), tier('essential', loyalty)]));
    expect(changes).toEqual([{ kind: 'tier', action: 'delete', tier: 'essential@loyalty', before: tier('essential', loyalty) }]);
  });

  it('warns that a tier moved to a platform is a new row, not a rename', () => {
    const { warnings } = diff(want([tier('essential', { ...loyalty, name: 'Same' })]), cat([tier('essential', { name: 'Same' })]));
    expect(warnings).toEqual([{ tier: 'essential@loyalty', message: expect.stringContaining('a tier cannot move between platforms') }]);
  });

  it('names platform tiers key@platform in every renderer', () => {
    const plan = buildPlan({
      desired: want([tier('essential', { ...loyalty, name: 'E2' }), tier('pro', loyalty)]),
      actual: cat([tier('essential', loyalty), tier('old', loyalty)]),
      stripe: { verified: true, keys: {} },
      toolVersion: 'test',
    });
    const text = renderText(plan);
    expect(text).toContain('+ tier pro@loyalty will be created');
    expect(text).toContain('platform: loyalty');
    expect(text).toContain('~ tier essential@loyalty will be updated');
    expect(text).toContain('- tier old@loyalty will be DELETED');
    expect(renderMarkdown(plan)).toContain('essential@loyalty');
    const json = JSON.parse(renderJson(plan)) as { changes: { tier: string; after?: Tier }[] };
    expect(json.changes.map((c) => c.tier)).toEqual(['pro@loyalty', 'essential@loyalty', 'old@loyalty']);
    expect(json.changes[0]?.after).toMatchObject({ key: 'pro', platform: 'loyalty' });
  });
});

describe('runtime lookups by platform (pure index)', () => {
  const index = buildCatalogIndex(
    normaliseCatalog({ 'a.read': 'A', 'p.earn': 'P' }, [
      tier('essential', { display_order: 1, limits: { seats: 1 }, permissions: ['a.read'] }),
      tier('essential', { ...loyalty, display_order: 1, limits: { seats: 3 }, permissions: ['a.read', 'p.earn'] }),
      tier('club', { ...loyalty, display_order: 2, limits: { seats: 9 } }),
      tier('pro', { display_order: 3, limits: { seats: 5 } }),
    ]),
    { essential: 1, 'essential@loyalty': 2, 'club@loyalty': 3, pro: 4 },
  );

  it('finds the platform tier of a key, else the global one; key@platform exactly', () => {
    expect(index.tier('essential', { platform: 'loyalty' })).toMatchObject({ id: 2, key: 'essential@loyalty', platform: 'loyalty' });
    expect(index.tier('essential')).toMatchObject({ id: 1, key: 'essential', platform: null });
    expect(index.tier('pro', { platform: 'loyalty' })).toBe(index.tier('pro'));
    expect(index.tier('club')).toBeUndefined();
    expect(index.tier('club@loyalty')).toBe(index.tierById(3));
    expect(index.tier('essential@oms')).toBeUndefined();
  });

  it('answers can() and limit() on a platform, and says where it looked', () => {
    expect(index.can('essential', 'p.earn', { platform: 'loyalty' })).toBe(true);
    expect(index.can('essential', 'p.earn', { platform: 'oms' })).toBe(false);
    expect(index.limit('essential', 'seats', { platform: 'loyalty' })).toBe(3);
    expect(() => index.limit('club', 'seats', { platform: 'oms' })).toThrow('unknown tier "club" (neither on platform oms nor global)');
    expect(() => index.limit('club@loyalty', 'other')).toThrow(CatalogLookupError);
  });

  it('lists a platform\'s view: its tiers and the global ones it does not override', () => {
    expect(index.tiers({ platform: 'loyalty' }).map((t) => t.key)).toEqual(['essential@loyalty', 'club@loyalty', 'pro']);
    expect(index.tiers({ platform: 'oms' }).map((t) => t.key)).toEqual(['essential', 'pro']);
    expect(index.tiers({ platform: null }).map((t) => t.key)).toEqual(['essential', 'pro']);
    expect(index.tiers().map((t) => t.key)).toEqual(['essential', 'essential@loyalty', 'club@loyalty', 'pro']);
  });
});

describe('files and types written from platform tiers', () => {
  const catalog = normaliseCatalog({}, [tier('essential'), tier('essential', loyalty)]);

  it('import writes key@platform.yaml with platform:, and declares the platforms it names', () => {
    const files = renderCatalogFiles(catalog);
    expect(Object.keys(files).sort()).toEqual(['catalog.yaml', 'essential.yaml', 'essential@loyalty.yaml']);
    expect(files['essential@loyalty.yaml']).toContain('key: essential\nplatform: loyalty\nname: essential\n');
    expect(files['catalog.yaml']).toContain('platforms:\n  loyalty:\n    name: loyalty\n');
    expect(renderCatalogFiles(catalog, { declarePlatforms: false })['catalog.yaml']).not.toContain('platforms');
    // What import writes loads back as the same catalog.
    const back = loadCatalog(src('tiers/catalog.yaml', files['catalog.yaml']!), Object.entries(files).filter(([n]) => n !== 'catalog.yaml').map(([n, t]) => src(`tiers/${n}`, t)));
    expect(back.ok && catalogFingerprint(back.loaded.catalog)).toBe(catalogFingerprint(catalog));
  });

  it('generated types name platform tiers key@platform and accept their keys with { platform }', () => {
    const r = load({ 'tiers/essential.yaml': tierYaml('essential'), 'tiers/club.yaml': scoped('club', 'loyalty') });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const out = renderCatalogTypes(r.loaded, 'tiers');
    expect(out).toContain('export const TIER_KEYS = [\n  "club@loyalty",\n  "essential",\n] as const;');
    expect(out).toContain('export const PLATFORM_TIER_KEYS = [\n  "club",\n] as const;');
    expect(out).toContain('tier: TierKey | PlatformTierKey;');
  });

  it('a platform code the app\'s platform table lacks is a problem at the file\'s line', () => {
    const problems = unknownPlatformProblems(catalog, { table: 'platforms', codes: ['oms', 'loyalti'] }, { 'essential@loyalty': { file: 'tiers/essential@loyalty.yaml', line: 2, col: 11 } });
    expect(problems).toEqual([{ file: 'tiers/essential@loyalty.yaml', line: 2, col: 11, message: 'platform "loyalty" is not in the app\'s platform table platforms', hint: 'did you mean "loyalti"? The platforms there: loyalti, oms' }]);
    expect(unknownPlatformProblems(catalog, { table: 'platforms', codes: ['loyalty'] })).toEqual([]);
  });
});

describe('billing verification of platform tiers', () => {
  it('names each billing key\'s tier by its ref, so two tiers of one key stay apart', () => {
    const catalog = normaliseCatalog({ 'p.earn': 'P' }, [tier('essential', { permissions: ['p.earn'] }), tier('essential', { ...loyalty, permissions: [] })]);
    expect(billingKeysOf(catalog, 'stripe')).toEqual([
      { tier: 'essential', key: 'essential_m' },
      { tier: 'essential@loyalty', key: 'essential@loyalty_m' },
    ]);
    expect(featureExpectations(catalog, { 'p.earn': 'earn' }).tiers).toEqual({ essential: { 'p.earn': 'earn' }, 'essential@loyalty': {} });
  });
});

describe('storage.tiers.platform (the app\'s own tables)', () => {
  const storageCatalog = (platform: string, extra = '') => `permissions:
  orders.view: View orders
limits:
  users: { description: Seats }
${extra}storage:
  tiers:
    table: app_tiers
    key: code
    id: id
${platform}    columns:
      name: name
      users_limit: { limit: users }
`;
  const plain = 'key: essential\nname: Essential\nlimits: { users: 1 }\n';
  const onLoyalty = 'key: essential\nplatform: loyalty\nname: Essential\nlimits: { users: 1 }\n';

  it('resolves {column, table, id, code} to a platform table, whose codes are checked at plan time (none declared here)', () => {
    const r = load({ 'tiers/a.yaml': plain, 'tiers/b.yaml': onLoyalty }, src('tiers/catalog.yaml', storageCatalog('    platform: { column: platform_id, table: platforms, id: id, code: code }\n')));
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.loaded.storage?.description.tier.platform).toEqual({ kind: 'table', column: 'platform_id', table: 'platforms', idColumn: 'id', codeColumn: 'code' });
    expect(Object.keys(r.loaded.catalog.tiers)).toEqual(['essential', 'essential@loyalty']);
  });

  it('resolves {column} alone to a code column, whose codes must be declared under platforms:', () => {
    const text = storageCatalog('    platform: { column: platform_code }\n');
    const r = load({ 'tiers/b.yaml': onLoyalty }, src('tiers/catalog.yaml', text));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.message)).toEqual(['platform "loyalty" is not declared in tiers/catalog.yaml']);
    const declared = load({ 'tiers/b.yaml': onLoyalty }, src('tiers/catalog.yaml', storageCatalog('    platform: { column: platform_code }\n', 'platforms:\n  loyalty: { name: Loyalty }\n')));
    expect(declared.ok && declared.loaded.storage?.description.tier.platform).toEqual({ kind: 'code', column: 'platform_code' });
  });

  it('refuses half a platform table, a column used twice, platforms without a column, and a platform tier the table cannot hold', () => {
    const half = problems({ 'tiers/a.yaml': plain }, src('tiers/catalog.yaml', storageCatalog('    platform: { column: platform_id, table: platforms }\n')));
    expect(half).toEqual([expect.stringMatching(/^tiers\/catalog\.yaml:10:15: platform: names its table, id and code together, or none of them/)]);
    const twice = problems({ 'tiers/a.yaml': plain }, src('tiers/catalog.yaml', storageCatalog('    platform: { column: name }\n')));
    expect(twice).toEqual([expect.stringMatching(/^tiers\/catalog\.yaml:10:\d+: column "name" is already used/)]);
    const none = problems({ 'tiers/a.yaml': plain }, src('tiers/catalog.yaml', storageCatalog('', 'platforms:\n  loyalty: { name: Loyalty }\n')));
    expect(none).toEqual([expect.stringMatching(/^tiers\/catalog\.yaml:5:1: platforms: are declared, but storage\.tiers names no platform column/)]);
    const unstored = problems({ 'tiers/b.yaml': onLoyalty }, src('tiers/catalog.yaml', storageCatalog('')));
    expect(unstored).toContain('tiers/b.yaml:2:11: this tier belongs to platform "loyalty", but app_tiers has no platform column (describe it under storage.tiers.platform in catalog.yaml, or remove platform: from this file)');
  });
});
