// `npm run bench`: runs the real tierctl process on synthetic catalogs of 100, 1,000 and
// 10,000 tiers, on SQLite and PostgreSQL, prints one Markdown table and writes it to
// tests/bench/results.md. Numbers are measured, never asserted: the targets of issue 7
// are checked here and reported as met or missed, not failed on.
//
//   node tests/bench/run.mjs [--sizes 100,1000,10000] [--backends sqlite,postgres] [--startup-runs 5]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDatabase, postgresReachable } from './bench-databases.mjs';
import { RSS_SOURCE, measure, medianOf } from './measure.mjs';
import { renderResults } from './results-table.mjs';
import { HOSTILE_BOUND_SECONDS, HOSTILE_SHAPES } from './hostile-shapes.mjs';
import { PERMISSION_COUNT, writeMappedCatalog, writeSyntheticCatalog } from './synthetic-catalog.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'tierctl.js');
const FLOOR = fileURLToPath(new URL('./parse-floor.mjs', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results.md', import.meta.url));
/** BatchTrack's tables that hold tier rows (its organization table holds subscribers). */
const MAPPED_TABLES = ['subscription_tier', 'permission', 'subscription_tier_permission'];


const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    'startup-runs': { type: 'string', default: '5' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const startupRuns = Number(values['startup-runs']);
let backends = values.backends.split(',');
const notes = [];
if (backends.includes('postgres') && !(await postgresReachable())) {
  backends = backends.filter((b) => b !== 'postgres');
  notes.push('PostgreSQL was not reachable, so only SQLite was measured.');
}

/** A measurement that did not end as expected is a broken benchmark, not a slow one. */
function expectCode(what, result, codes = [0]) {
  if (!codes.includes(result.code)) {
    throw new Error(`${what} exited ${result.code}, expected ${codes.join(' or ')}:\n${result.stderr}`);
  }
  return result;
}
const changesApplied = (r) => Number(/… applying (\d+) change/.exec(r.stderr)?.[1] ?? NaN);

const rows = [];
const record = (size, database, operation, r, note = '') => {
  // The 1-minute load average when the run ended: on a shared machine timings follow it,
  // statement counts and peak RSS do not.
  const load = loadavg()[0];
  r.load = load;
  rows.push({ size, database, operation, seconds: r.seconds, cpuSeconds: r.cpuSeconds, statements: r.statements, rssMb: r.rssMb, load, note });
  process.stderr.write(`  ${String(size).padStart(6)} ${database.padEnd(10)} ${operation.padEnd(26)} ${r.seconds.toFixed(2)} s  cpu ${r.cpuSeconds?.toFixed(2) ?? '-'} s  ${r.statements ?? '-'} stmts  ${r.rssMb?.toFixed(0) ?? '-'} MB  load ${load.toFixed(1)}\n`);
};

process.stderr.write(`tierctl benchmark: sizes ${sizes.join(', ')}; databases ${backends.join(', ')}\n`);
const startup = {
  help: expectCode('tierctl --help', await medianOf(startupRuns, () => measure([BIN, '--help'], { cwd: ROOT }))),
  validate: expectCode('tierctl validate (reference)', await medianOf(startupRuns, () => measure([BIN, 'validate'], { cwd: ROOT }))),
};
record('reference', '-', `--help (median of ${startupRuns})`, startup.help);
record('reference', '-', `validate (median of ${startupRuns})`, startup.validate);

// Hostile shapes just under the 1 MiB cap (issue 15 item 10): validate must refuse each
// quickly; the bound is generous and reported as met or missed, never failed on.
for (const [name, make] of Object.entries(HOSTILE_SHAPES)) {
  const work = mkdtempSync(path.join(tmpdir(), `tierctl-bench-hostile-`));
  try {
    writeSyntheticCatalog(path.join(work, 'tiers'), 1);
    const [file, text] = make();
    writeFileSync(path.join(work, 'tiers', file), text);
    const r = expectCode(`validate (${name})`, await measure([BIN, 'validate'], { cwd: work }), [1]);
    const met = r.seconds <= HOSTILE_BOUND_SECONDS;
    if (!met) notes.push(`validate took ${r.seconds.toFixed(1)} s on the hostile shape ${name}, over its ${HOSTILE_BOUND_SECONDS} s bound.`);
    record('hostile', '-', `validate refuses ${name}`, r, `bound ${HOSTILE_BOUND_SECONDS} s: ${met ? 'met' : 'MISSED'}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const perSize = [];
for (const size of sizes) {
  const work = mkdtempSync(path.join(tmpdir(), `tierctl-bench-${size}-`));
  const tiers = path.join(work, 'tiers');
  try {
    writeSyntheticCatalog(tiers, size);
    const floor = expectCode('parse floor', await measure([FLOOR, 'tiers'], { cwd: work }));
    record(size, '-', 'floor: read + yaml.parse', floor);
    const validate = expectCode('validate', await measure([BIN, 'validate'], { cwd: work }));
    record(size, '-', 'validate', validate);
    const measured = { size, floor, validate, backends: {} };
    for (const backend of backends) {
      const db = await createDatabase(backend, work, size);
      const cli = (...args) => measure([BIN, ...args, '--database', db.url], { cwd: work });
      try {
        const planEmpty = expectCode('plan (empty)', await cli('plan', '--skip-stripe'));
        record(size, db.name, 'plan, empty database', planEmpty);
        const applyEmpty = expectCode('apply (from empty)', await cli('apply', '--auto-approve', '--skip-stripe'));
        const rowsWritten = await db.rows();
        record(size, db.name, 'apply from empty', applyEmpty, `${changesApplied(applyEmpty)} changes, ${rowsWritten} rows`);
        // --detailed-exitcode 0 doubles as a check that the apply reached the files' state.
        const planCurrent = expectCode('plan (up to date)', await cli('plan', '--skip-stripe', '--detailed-exitcode'));
        record(size, db.name, 'plan, up-to-date database', planCurrent);
        const noop = expectCode('apply (no-op)', await cli('apply', '--auto-approve', '--skip-stripe'));
        record(size, db.name, 'apply, no changes', noop);
        writeSyntheticCatalog(tiers, size, { updateEvery: 10 });
        const update = expectCode('apply (10% updated)', await cli('apply', '--auto-approve', '--skip-stripe'));
        record(size, db.name, 'apply, 10% of tiers updated', update, `${changesApplied(update)} changes`);
        writeSyntheticCatalog(tiers, size);
        measured.backends[db.name] = { planEmpty, planCurrent, applyEmpty, rowsWritten, noop, update };
      } finally {
        await db.drop();
      }
      measured.mapped ??= {};
      measured.mapped[db.name] = await benchMapped(backend, work, size);
    }
    perSize.push(measured);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Mapped storage: the same sizes in BatchTrack's own tables (examples/batchtrack), through
 * catalog.yaml's storage:. Statements must stay constant per table however many tiers.
 */
async function benchMapped(backend, work, size) {
  const example = path.join(ROOT, 'examples', 'batchtrack');
  const dir = path.join(work, 'mapped');
  const db = await createDatabase(backend, work, `${size}_mapped`);
  try {
    await db.exec(readFileSync(path.join(example, `schema.${backend}.sql`), 'utf8'));
    writeMappedCatalog(path.join(dir, 'tiers'), size, readFileSync(path.join(example, 'tiers', 'catalog.yaml'), 'utf8'));
    const cli = (...args) => measure([BIN, ...args, '--database', db.url], { cwd: dir });
    const label = `${db.name}, mapped`;
    const planEmpty = expectCode('mapped plan (empty)', await cli('plan', '--skip-stripe'));
    record(size, label, 'plan, empty tables', planEmpty);
    const applyEmpty = expectCode('mapped apply (from empty)', await cli('apply', '--auto-approve', '--skip-stripe'));
    const rowsWritten = await db.rows(MAPPED_TABLES);
    record(size, label, 'apply from empty', applyEmpty, `${changesApplied(applyEmpty)} changes, ${rowsWritten} rows`);
    const planCurrent = expectCode('mapped plan (up to date)', await cli('plan', '--skip-stripe', '--detailed-exitcode'));
    record(size, label, 'plan, up-to-date database', planCurrent);
    const noop = expectCode('mapped apply (no-op)', await cli('apply', '--auto-approve', '--skip-stripe'));
    record(size, label, 'apply, no changes', noop);
    writeMappedCatalog(path.join(dir, 'tiers'), size, readFileSync(path.join(example, 'tiers', 'catalog.yaml'), 'utf8'), { updateEvery: 10 });
    const update = expectCode('mapped apply (10% updated)', await cli('apply', '--auto-approve', '--skip-stripe'));
    record(size, label, 'apply, 10% of tiers updated', update, `${changesApplied(update)} changes`);
    return { planEmpty, planCurrent, applyEmpty, rowsWritten, noop, update };
  } finally {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const markdown = renderResults({
  rows,
  startup,
  perSize,
  notes,
  environment: `load average (1 / 5 / 15 min) at the end: ${loadavg().map((l) => l.toFixed(1)).join(' / ')}; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, peak RSS from ${RSS_SOURCE}; ${PERMISSION_COUNT} permissions, ~10 permissions, 5 limits and 2 lookup keys per tier; --skip-stripe`,
});
writeFileSync(RESULTS, markdown);
process.stdout.write(markdown);
process.stderr.write(`\nwrote ${path.relative(ROOT, RESULTS)}\n`);
