import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, editTierFile, workdirWithTiers } from '../support/cli.js';
import { runMain } from '../support/run-main.js';
import { loadReference } from '../support/sources.js';

/**
 * `tierctl generate types`: the module it writes is compiled with the TypeScript compiler
 * against the package's built types (dist/, as an application installs them: a
 * node_modules/tierctl link to this repository), and a misspelled permission must be a
 * compile error there, while the untyped API keeps accepting it.
 */
const reference = loadReference();
const aPermission = Object.keys(reference.catalog.permissions).find((p) => p.includes('.'))!;
const aTier = Object.keys(reference.catalog.tiers)[0]!;
const aLimit = Object.keys(reference.limits)[0]!;

let cwd: string;
beforeEach(() => {
  cwd = workdirWithTiers();
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const generated = () => readFileSync(path.join(cwd, 'src', 'tiers.gen.ts'), 'utf8');

/** A consumer project beside the generated file; returns each file's compile errors. */
function compileConsumers(files: Record<string, string>): Record<string, { line: number; code: number; message: string }[]> {
  mkdirSync(path.join(cwd, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, path.join(cwd, 'node_modules', 'tierctl'), 'dir');
  writeFileSync(path.join(cwd, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
  const names = Object.entries(files).map(([name, text]) => {
    const file = path.join(cwd, 'src', name);
    writeFileSync(file, text);
    return file;
  });
  const program = ts.createProgram(names, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    // No DOM, no @types: a small program compiles in a fraction of the default's time.
    lib: ['lib.es2022.d.ts'],
    types: [],
  });
  const out: Record<string, { line: number; code: number; message: string }[]> = {};
  for (const [i, name] of Object.keys(files).entries()) {
    const source = program.getSourceFile(names[i]!)!;
    out[name] = ts.getPreEmitDiagnostics(program, source).map((d) => ({
      line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }));
  }
  return out;
}

describe('tierctl generate types', () => {
  it('writes a module whose openCatalog() makes a misspelled permission a compile error (checked by tsc against dist/ types)', async () => {
    const r = await runMain(['generate', 'types'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Wrote src/tiers.gen.ts');
    const typo = aPermission.replace(/\.(\w)(\w)/, '.$1$2$2');
    expect(typo).not.toBe(aPermission);
    const errors = compileConsumers({
      'good.ts': `import { openCatalog, isTierKey, type TierKey } from './tiers.gen.js';
const catalog = await openCatalog();
const key: TierKey = ${JSON.stringify(aTier)};
const allowed: boolean = catalog.can(key, ${JSON.stringify(aPermission)});
const limit: number | null = catalog.limit(key, ${JSON.stringify(aLimit)});
const fromRow: string = 'whatever';
if (isTierKey(fromRow)) catalog.tier(fromRow)?.permissions.includes(${JSON.stringify(aPermission)});
export { allowed, limit };
`,
      'misspelled.ts': `import { openCatalog } from './tiers.gen.js';
const catalog = await openCatalog();
catalog.can(${JSON.stringify(aTier)}, ${JSON.stringify(typo)});
`,
      'wrong-tier-and-limit.ts': `import { openCatalog } from './tiers.gen.js';
const catalog = await openCatalog();
catalog.limit('no_such_tier', ${JSON.stringify(aLimit)});
catalog.limit(${JSON.stringify(aTier)}, 'no_such_limit');
`,
      'untyped.ts': `import { openCatalog } from 'tierctl';
const catalog = await openCatalog();
catalog.can(${JSON.stringify(aTier)}, ${JSON.stringify(typo)});
`,
    });
    expect(errors['good.ts']).toEqual([]);
    expect(errors['misspelled.ts']).toEqual([{ line: 3, code: 2345, message: expect.stringContaining(`"${typo}"`) }]);
    expect(errors['wrong-tier-and-limit.ts']?.map((e) => [e.line, e.code])).toEqual([
      [3, 2345],
      [4, 2345],
    ]);
    // The generated names are what makes the difference: the plain package API accepts any string.
    expect(errors['untyped.ts']).toEqual([]);
  });

  it('is deterministic: a second run leaves the file alone and --check passes', async () => {
    expect((await runMain(['generate', 'types'], { cwd })).code).toBe(0);
    const first = generated();
    const again = await runMain(['generate', 'types', '--dir', './tiers/'], { cwd });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('up to date');
    expect(generated()).toBe(first);
    const check = await runMain(['generate', 'types', '--check'], { cwd });
    expect(check.code, check.stderr).toBe(0);
  });

  it('--check exits 1 when a permission was added since, naming the first stale line, and writes nothing', async () => {
    expect((await runMain(['generate', 'types'], { cwd })).code).toBe(0);
    const before = generated();
    const catalogPath = path.join(cwd, 'tiers', 'catalog.yaml');
    writeFileSync(catalogPath, readFileSync(catalogPath, 'utf8').replace('permissions:\n', 'permissions:\n  reports.export: Export reports\n'));
    const r = await runMain(['generate', 'types', '--check'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: src\/tiers\.gen\.ts:\d+:1: out of date with the tier files in tiers\//);
    expect(r.stderr).toContain('hint: regenerate it with: tierctl generate types');
    expect(generated()).toBe(before);
    expect((await runMain(['generate', 'types'], { cwd })).code).toBe(0);
    expect(generated()).toContain('"reports.export"');
  });

  it('--check exits 1 when the file does not exist; --out writes elsewhere (creating folders)', async () => {
    const missing = await runMain(['generate', 'types', '--check'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('src/tiers.gen.ts does not exist');
    const r = await runMain(['generate', 'types', '--out', 'app/lib/tiers.ts'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, 'app', 'lib', 'tiers.ts'), 'utf8')).toContain('export type TierKey');
  });

  it('refuses invalid tier files at their line and an unknown target, writing nothing', async () => {
    editTierFile(cwd, 'hobbyist.yaml', /permissions: \[/, 'permissions: [batches.craete, ');
    const r = await runMain(['generate', 'types'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tiers\/hobbyist\.yaml:\d+:\d+: permission "batches\.craete" is not declared/);
    expect(() => generated()).toThrow();
    const other = await runMain(['generate', 'schemas'], { cwd });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('cannot generate "schemas"');
  });

  it('works at runtime: the generated openCatalog reads an applied database', async () => {
    const url = `sqlite:${path.join(cwd, 'app.sqlite')}`;
    expect((await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', url], { cwd })).code).toBe(0);
    expect((await runMain(['generate', 'types'], { cwd })).code).toBe(0);
    mkdirSync(path.join(cwd, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, path.join(cwd, 'node_modules', 'tierctl'), 'dir');
    writeFileSync(path.join(cwd, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
    const js = ts.transpileModule(generated(), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const file = path.join(cwd, 'src', 'tiers.gen.mjs');
    writeFileSync(file, js);
    const mod = (await import(pathToFileURL(file).href)) as { openCatalog(o: { database: string }): Promise<{ can(t: string, p: string): boolean; close(): Promise<void> }>; TIER_KEYS: readonly string[] };
    expect([...mod.TIER_KEYS]).toEqual(Object.keys(reference.catalog.tiers).sort());
    const catalog = await mod.openCatalog({ database: url });
    try {
      expect(catalog.can(aTier, aPermission)).toBe(reference.catalog.tiers[aTier]!.permissions.includes(aPermission));
    } finally {
      await catalog.close();
    }
  });
});
