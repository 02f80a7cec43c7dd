import { describe, expect, it } from 'vitest';
import { billingKeyPosition, billingPosition, loadCatalog, permissionPosition } from '../../src/catalog/load-catalog.js';
import { MAX_ALIAS_COUNT, MAX_FILE_BYTES } from '../../src/catalog/parse-yaml.js';
import { CATALOG_YAML, loadReference, src, tierYaml } from '../support/sources.js';

const catalog = src('tiers/catalog.yaml', CATALOG_YAML);

function problems(files: Record<string, string | Uint8Array>, catalogText: string | null = CATALOG_YAML) {
  const r = loadCatalog(catalogText === null ? undefined : src('tiers/catalog.yaml', catalogText), Object.entries(files).map(([f, t]) => src(f, t)));
  if (r.ok) return [];
  return r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
}

describe('loadCatalog: valid input', () => {
  it('fills documented defaults and sorts collections', () => {
    const r = loadCatalog(catalog, [src('tiers/pro.yaml', tierYaml('pro', 'renamed_from: [old_pro]'))]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const pro = r.loaded.catalog.tiers['pro'];
    expect(pro).toMatchObject({ customer_facing: true, display_order: 0, status: 'active', protected: false, description: null, fallback_price: null });
    expect(pro?.billing_keys).toEqual(['pro_monthly']);
    expect(r.loaded.renamedFrom).toEqual({ pro: ['old_pro'] });
  });

  it('keeps each tier file as its text only, and still finds its lines for later errors', () => {
    // A comment line first, so a position taken from anything but this file's text would be off.
    const r = loadCatalog(catalog, [src('tiers/pro.yaml', `# pro\n${tierYaml('pro')}`)]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.loaded.sources['pro']?.value).toMatchObject({ key: 'pro', billing: { lookup_keys: ['pro_monthly'] } });
    expect(billingPosition(r.loaded, 'pro')).toEqual({ file: 'tiers/pro.yaml', line: 4, col: 1 });
    expect(billingKeyPosition(r.loaded, 'pro', 'pro_monthly')).toEqual({ file: 'tiers/pro.yaml', line: 6, col: 17 });
    expect(permissionPosition(r.loaded, 'pro', 'inventory.view')).toEqual({ file: 'tiers/pro.yaml', line: 8, col: 15 });
  });

  it('loads the reference catalog in tiers/', () => {
    const loaded = loadReference();
    expect(Object.keys(loaded.catalog.tiers).length).toBeGreaterThanOrEqual(5);
    const providers = new Set(Object.values(loaded.catalog.tiers).map((t) => t.billing_provider));
    expect(providers).toEqual(new Set(['stripe', 'whop', 'exempt']));
    expect(Object.values(loaded.catalog.tiers).some((t) => t.protected && t.billing_provider === 'exempt')).toBe(true);
    expect(Object.values(loaded.catalog.tiers).some((t) => Object.values(t.limits).includes(null))).toBe(true);
  });
});

describe('loadCatalog: every problem at its line, all in one run', () => {
  it('reports YAML syntax errors at the line', () => {
    const out = problems({ 'tiers/a.yaml': 'key: a\nname: [unclosed\n' });
    expect(out[0]).toMatch(/^tiers\/a\.yaml:\d+:\d+: /);
  });

  it('reports duplicate mapping keys at the second key', () => {
    expect(problems({ 'tiers/a.yaml': `${tierYaml('aa')}name: Again\n` })).toEqual([expect.stringMatching(/^tiers\/a\.yaml:8:1: duplicate key/)]);
  });

  it('refuses several documents in one file', () => {
    expect(problems({ 'tiers/a.yaml': `${tierYaml('aa')}---\n${tierYaml('bb')}` })).toEqual([expect.stringMatching(/^tiers\/a\.yaml:8:1: file holds more than one YAML document/)]);
  });

  it('refuses a document that is not a mapping', () => {
    expect(problems({ 'tiers/a.yaml': '- just\n- a list\n' })).toEqual(['tiers/a.yaml:1:1: expected a mapping of fields, found a list']);
  });

  it('refuses empty and comment-only files', () => {
    expect(problems({ 'tiers/a.yaml': '' })).toEqual(['tiers/a.yaml:1:1: file is empty']);
    expect(problems({ 'tiers/b.yaml': '# nothing here\n\n' })).toEqual(['tiers/b.yaml:1:1: file is empty']);
  });

  it('names unknown fields at the key and suggests the close one', () => {
    const r = loadCatalog(catalog, [src('tiers/a.yaml', `${tierYaml('aa')}dispaly_order: 3\n`)]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toEqual([expect.objectContaining({ file: 'tiers/a.yaml', line: 8, col: 1, message: 'unknown field "dispaly_order"', hint: 'did you mean "display_order"?' })]);
  });

  it('reports wrong types at the value', () => {
    expect(problems({ 'tiers/a.yaml': `${tierYaml('aa')}display_order: ten\n` })).toEqual(['tiers/a.yaml:8:16: display_order must be an integer']);
  });

  it('caps aliases (billion laughs)', () => {
    const lines = ['key: aa', 'name: A', 'billing: { provider: exempt }', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    let prev = 'a';
    for (let i = 0; i < 12; i++) {
      lines.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*${prev}`).join(', ')}]`);
      prev = `l${i}`;
    }
    const out = problems({ 'tiers/a.yaml': `${lines.join('\n')}\n` });
    expect(out).toEqual([expect.stringMatching(new RegExp(`^tiers/a\\.yaml:\\d+:\\d+: more than ${MAX_ALIAS_COUNT} YAML aliases`))]);
  });

  it('refuses keys that reach the object prototype', () => {
    expect(problems({ 'tiers/a.yaml': `${tierYaml('aa')}__proto__: { protected: true }\n` })).toEqual(['tiers/a.yaml:8:1: "__proto__" is not allowed as a key']);
    const limits = tierYaml('bb').replace('limits: { users: 1 }', 'limits: { constructor: 1 }');
    // `constructor` is an ordinary name now (records are prototype-free, issue 15 item 6): here it is merely undeclared.
    expect(problems({ 'tiers/b.yaml': limits })).toEqual([expect.stringMatching(/^tiers\/b\.yaml:6:11: limit "constructor" is not declared in/)]);
  });

  it('points invalid UTF-8 at the byte', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('key: aa\nname: B'), 0xff, 0x0a]);
    expect(problems({ 'tiers/a.yaml': bytes })).toEqual(['tiers/a.yaml:2:8: file is not valid UTF-8']);
  });

  it('refuses oversized files before parsing them', () => {
    const big = `${tierYaml('aa')}description: "${'x'.repeat(MAX_FILE_BYTES)}"\n`;
    expect(problems({ 'tiers/a.yaml': big })[0]).toMatch(/^tiers\/a\.yaml:1:1: file is \d+ bytes, over the 1048576-byte limit/);
  });

  it('refuses deep nesting', () => {
    const deep = `${tierYaml('aa')}x: ${'['.repeat(40)}${']'.repeat(40)}\n`;
    expect(problems({ 'tiers/a.yaml': deep })[0]).toMatch(/nested more than 32 levels/);
  });

  it('reports every problem across files in one run, sorted by file and line', () => {
    const out = problems({
      'tiers/b.yaml': tierYaml('bb').replace('inventory.view', 'reports.view'),
      'tiers/a.yaml': `${tierYaml('aa')}status: gone\n`,
    });
    expect(out).toEqual([
      'tiers/a.yaml:8:9: status must be one of: active, retired',
      'tiers/b.yaml:7:15: permission "reports.view" is not declared in tiers/catalog.yaml',
    ]);
  });
});

describe('cross-file rules', () => {
  it('keys are unique across files', () => {
    expect(problems({ 'tiers/a.yaml': tierYaml('aa'), 'tiers/b.yaml': tierYaml('aa').replace('aa_monthly', 'other') })).toEqual([
      'tiers/b.yaml:1:6: tier key "aa" is already used by tiers/a.yaml:1:6',
    ]);
  });

  it('a lookup key bills one tier only', () => {
    expect(problems({ 'tiers/a.yaml': tierYaml('aa'), 'tiers/b.yaml': tierYaml('bb').replace('bb_monthly', 'aa_monthly') })).toEqual([
      'tiers/b.yaml:5:17: billing key "aa_monthly" already bills tier "aa" (tiers/a.yaml:5:17)',
    ]);
  });

  it('non-exempt tiers need their provider key; exempt tiers carry none', () => {
    const noKeys = 'key: aa\nname: A\nbilling:\n  provider: stripe\n';
    const whopNoKey = 'key: bb\nname: B\nbilling:\n  provider: whop\n';
    const exemptWithKeys = 'key: cc\nname: C\nbilling:\n  provider: exempt\n  lookup_keys: [x_monthly]\n';
    expect(problems({ 'tiers/a.yaml': noKeys, 'tiers/b.yaml': whopNoKey, 'tiers/c.yaml': exemptWithKeys })).toEqual([
      'tiers/a.yaml:4:3: a stripe tier needs billing.lookup_keys',
      'tiers/b.yaml:4:3: a whop tier needs billing.product_key',
      'tiers/c.yaml:5:3: an exempt tier is never billed and carries no lookup_keys',
    ]);
  });

  it('limits must be declared in the catalog', () => {
    expect(problems({ 'tiers/a.yaml': tierYaml('aa').replace('users: 1', 'seats: 1') })).toEqual([
      'tiers/a.yaml:6:11: limit "seats" is not declared in tiers/catalog.yaml',
    ]);
  });

  it('renamed_from cannot name a live key, the own key, or be claimed twice', () => {
    expect(problems({
      'tiers/a.yaml': tierYaml('aa', 'renamed_from: [bb, aa, zz]'),
      'tiers/b.yaml': tierYaml('bb'),
      'tiers/c.yaml': tierYaml('cc', 'renamed_from: [zz]'),
    })).toEqual([
      'tiers/a.yaml:8:16: renamed_from "bb" is the key of a live tier (tiers/b.yaml:1:6)',
      'tiers/a.yaml:8:20: renamed_from lists the tier\'s own key "aa"',
      'tiers/c.yaml:8:16: "zz" is also listed in renamed_from of tier "aa"',
    ]);
  });

  it('a protected tier cannot be retired', () => {
    expect(problems({ 'tiers/a.yaml': tierYaml('aa', 'protected: true\nstatus: retired') })).toEqual(['tiers/a.yaml:9:9: a protected tier cannot be retired']);
  });

  it('needs a catalog.yaml and at least one tier', () => {
    expect(problems({ 'tiers/a.yaml': tierYaml('aa') }, null)).toEqual(['catalog.yaml:1:1: catalog.yaml not found']);
    expect(problems({})).toEqual(['tiers/catalog.yaml:1:1: no tier files next to this catalog']);
  });

  it('subscribers must name a plain identifier', () => {
    const cat = `${CATALOG_YAML}subscribers: { table: "organization; DROP TABLE x", column: tier_id }\n`;
    expect(problems({ 'tiers/a.yaml': tierYaml('aa') }, cat)[0]).toMatch(/^tiers\/catalog\.yaml:7:23: subscribers\.table: .* is not a plain SQL identifier/);
  });
});
