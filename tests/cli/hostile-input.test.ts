import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../support/cli.js';
import { BACKENDS, type TestDatabase } from '../support/databases.js';
import { dumpTables } from '../support/dump.js';
import { runMain } from '../support/run-main.js';
import { HOSTILE_SHAPES } from '../bench/hostile-shapes.mjs';

/**
 * The hostile-input corpus (tests/fixtures/hostile/, see its README) through the CLI in
 * the test process (`main(argv, io)`: the same parsing, commands, top-level catch, exit
 * codes and redacted output as the binary; apply reads the files before it connects).
 * The real process gets a sample of the corpus in smoke.test.ts. Every case ends in a clear file:line:col error with exit 1 and the database
 * byte-for-byte untouched, or is stored verbatim as data. Never a crash, never SQL
 * executed from input.
 */
const HOSTILE = path.join(ROOT, 'tests', 'fixtures', 'hostile');
const BASE = path.join(HOSTILE, '_base');
const MAX_FILE_BYTES = 1024 * 1024;
const STACK_FRAME = /\n\s+at /;
/** Control characters other than tab and newline: hostile bytes must not reach the terminal raw. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

interface HostileCase {
  name: string;
  title: string;
  expect: 'refused' | 'stored';
  /** Refused: a multiline regex the error output must match. */
  error?: string;
  /** Files too big or too odd to commit are made at test time by this generator. */
  generate?: string;
  /** --dir to pass instead of tiers. */
  dir?: string;
  /** Base files to remove before the case's own files are laid over them. */
  remove?: string[];
}

const CASES: HostileCase[] = readdirSync(HOSTILE)
  .filter((n) => !n.startsWith('_') && existsSync(path.join(HOSTILE, n, 'case.json')))
  .sort()
  .map((name) => ({ name, ...(JSON.parse(readFileSync(path.join(HOSTILE, name, 'case.json'), 'utf8')) as Omit<HostileCase, 'name'>) }));
const REFUSED = CASES.filter((c) => c.expect === 'refused');
const STORED = CASES.filter((c) => c.expect === 'stored');

/** A tier file of exactly `bytes` bytes (valid YAML, padded in a long description). */
function paddedTier(key: string, bytes: number): string {
  const head = `key: ${key}\nname: Padded\nbilling: { provider: exempt }\ndescription: "`;
  return `${head}${'x'.repeat(bytes - head.length - 2)}"\n`;
}

const GENERATORS: Record<string, (tiers: string, work: string) => void> = {
  'oversized-1mib': (tiers) => writeFileSync(path.join(tiers, 'big.yaml'), paddedTier('big', MAX_FILE_BYTES + 1)),
  'ten-megabytes': (tiers) => writeFileSync(path.join(tiers, 'huge.yaml'), paddedTier('huge', 10 * 1024 * 1024)),
  'symlink-etc-passwd': (tiers) => symlinkSync('/etc/passwd', path.join(tiers, 'passwd.yaml')),
  'symlink-outside': (tiers, work) => {
    writeFileSync(path.join(work, 'outside.yaml'), 'key: outside\nname: Outside\nbilling: { provider: exempt }\n');
    symlinkSync('../outside.yaml', path.join(tiers, 'outside.yaml'));
  },
  // Shapes whose parsing cost grew faster than their size (issue 15 item 10); `npm run bench` times them.
  ...Object.fromEntries(
    Object.entries(HOSTILE_SHAPES).map(([name, make]) => [
      name,
      (tiers: string) => {
        const [file, text] = make();
        writeFileSync(path.join(tiers, file), text);
      },
    ]),
  ),
  'symlink-loop': (tiers) => {
    symlinkSync('loop-b.yaml', path.join(tiers, 'loop-a.yaml'));
    symlinkSync('loop-a.yaml', path.join(tiers, 'loop-b.yaml'));
  },
};

/** A working directory with tiers/ = the base catalog, minus `remove`, plus the case's files. */
function prepare(c: HostileCase): string {
  const work = mkdtempSync(path.join(tmpdir(), `tierctl-hostile-${c.name}-`));
  const tiers = path.join(work, 'tiers');
  cpSync(BASE, tiers, { recursive: true });
  for (const f of c.remove ?? []) rmSync(path.join(tiers, f));
  if (existsSync(path.join(HOSTILE, c.name, 'tiers'))) cpSync(path.join(HOSTILE, c.name, 'tiers'), tiers, { recursive: true });
  if (c.generate) {
    const generate = GENERATORS[c.generate];
    if (!generate) throw new Error(`case ${c.name}: no generator "${c.generate}"`);
    generate(tiers, work);
  }
  return work;
}

function expectClearRefusal(c: HostileCase, r: { code: number | null; stdout: string; stderr: string }): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(c.error as string, 'm'));
  expect(r.stderr).toMatch(/^error: /m);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr).not.toContain('internal problem');
  expect(r.stderr).not.toMatch(RAW_CONTROL);
  expect(r.stdout).not.toMatch(RAW_CONTROL);
}

describe('the hostile-input corpus', () => {
  it('holds at least 25 cases, each with a title and an expectation', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    for (const c of CASES) {
      expect(c.title, c.name).toBeTruthy();
      expect(['refused', 'stored'], c.name).toContain(c.expect);
      if (c.expect === 'refused') expect(c.error, c.name).toBeTruthy();
    }
  });

  for (const c of REFUSED) {
    it(`validate refuses ${c.name}: ${c.title}`, async () => {
      const work = prepare(c);
      try {
        const r = await runMain(['validate', '--dir', c.dir ?? 'tiers'], { cwd: work });
        expectClearRefusal(c, r);
        expect(r.stdout).toBe('');
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`hostile input against ${backend.name}`, () => {
    let db: TestDatabase;
    /** SQLite: the file's bytes; PostgreSQL: every row of tierctl's tables. */
    const snapshot = async () => (backend.name === 'sqlite' ? createHash('sha256').update(readFileSync(db.url.slice('sqlite:'.length))).digest('hex') : dumpTables(db));

    beforeAll(async () => {
      db = await backend.create();
      const work = prepare({ name: 'base', title: 'base', expect: 'stored' });
      const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', db.url], { cwd: work });
      rmSync(work, { recursive: true, force: true });
      expect(r.code, r.stderr).toBe(0);
    });
    afterAll(async () => {
      await db?.drop();
    });

    for (const c of REFUSED) {
      it(`apply refuses ${c.name} and leaves the database byte-for-byte unchanged`, async () => {
        const work = prepare(c);
        try {
          const before = await snapshot();
          const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--dir', c.dir ?? 'tiers', '--database', db.url], { cwd: work });
          expectClearRefusal(c, r);
          expect(await snapshot()).toBe(before);
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      });
    }

    for (const c of STORED) {
      it(`stores ${c.name} verbatim as data: ${c.title}`, async () => {
        const fresh = await backend.create();
        const work = prepare(c);
        try {
          const r = await runMain(['apply', '--auto-approve', '--skip-stripe', '--database', fresh.url], { cwd: work });
          expect(r.stderr).not.toMatch(STACK_FRAME);
          expect(r.code, r.stderr).toBe(0);

          // What the files say, read by an independent YAML parser...
          const tiersDir = path.join(work, 'tiers');
          const files = readdirSync(tiersDir).filter((f) => f.endsWith('.yaml') && f !== 'catalog.yaml');
          const tiers = files.map((f) => parse(readFileSync(path.join(tiersDir, f), 'utf8')) as { key: string; name: string; description?: string; billing: { lookup_keys?: string[]; fallback_price?: string } });
          const catalog = parse(readFileSync(path.join(tiersDir, 'catalog.yaml'), 'utf8')) as { permissions: Record<string, string> };
          // ...is what the database holds, byte for byte.
          const rows = await fresh.sql<{ key: string; name: string; description: string | null; fallback_price: string | null }>('SELECT "key", name, description, fallback_price FROM subscription_tier ORDER BY "key"');
          expect(rows).toEqual(
            tiers
              .map((t) => ({ key: t.key, name: t.name, description: t.description ?? null, fallback_price: t.billing.fallback_price ?? null }))
              .sort((a, b) => (a.key < b.key ? -1 : 1)),
          );
          const keys = await fresh.sql<{ key: string }>('SELECT "key" FROM tier_billing_key ORDER BY "key"');
          expect(keys.map((k) => k.key)).toEqual(tiers.flatMap((t) => t.billing.lookup_keys ?? []).sort());
          const permissions = await fresh.sql<{ name: string; description: string }>('SELECT name, description FROM permission ORDER BY name');
          expect(Object.fromEntries(permissions.map((p) => [p.name, p.description]))).toEqual(catalog.permissions);

          // Nothing in the data ran as SQL: every table is there, with exactly the rows the files make.
          for (const table of ['subscription_tier_permission', 'tier_limit', 'reconcile_run']) {
            expect((await fresh.sql(`SELECT * FROM ${table}`)).length, table).toBeGreaterThan(0);
          }
          expect((await fresh.sql<{ status: string }>('SELECT status FROM reconcile_run')).map((x) => x.status)).toEqual(['applied']);
          // And the round trip closes: planning the same files against what was stored finds nothing to do.
          const again = await runMain(['plan', '--skip-stripe', '--detailed-exitcode', '--database', fresh.url], { cwd: work });
          expect(again.code, again.stdout + again.stderr).toBe(0);
        } finally {
          rmSync(work, { recursive: true, force: true });
          await fresh.drop();
        }
      });
    }
  });
}
