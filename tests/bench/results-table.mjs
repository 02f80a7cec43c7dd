// Turns the benchmark's measurements into the Markdown that goes to results.md and the
// docs/benchmarks.md: one table of runs, then each target of issue 7 with its verdict.

const fmtInt = (n) => (n === null || n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const fmtSeconds = (s) => (s < 10 ? s.toFixed(2) : s.toFixed(1));
const verdict = (ok) => (ok ? '✅ met' : '❌ missed');

const PLAN_FLOOR_FACTOR = 1.5;
const STARTUP_LIMIT_S = 0.3;
const RSS_LIMIT_MB = 300;
/** A batched apply writes hundreds of rows per statement; one statement per row would be 1. */
const MIN_ROWS_PER_STATEMENT = 100;

export function renderResults({ rows, startup, perSize, notes, environment }) {
  const out = [];
  out.push('<!-- written by `npm run bench` (tests/bench/run.mjs); do not edit by hand -->');
  out.push('| tiers | database | operation | wall (s) | CPU (s) | load (1 min) | SQL statements | peak RSS (MB) | notes |');
  out.push('|---:|---|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    out.push(`| ${typeof r.size === 'number' ? fmtInt(r.size) : r.size} | ${r.database} | ${r.operation} | ${fmtSeconds(r.seconds)} | ${r.cpuSeconds === null || r.cpuSeconds === undefined ? '-' : fmtSeconds(r.cpuSeconds)} | ${r.load === undefined ? '-' : r.load.toFixed(1)} | ${fmtInt(r.statements)} | ${fmtInt(r.rssMb)} | ${r.note} |`);
  }
  out.push('');
  out.push(`_${environment}._`);
  out.push('');
  out.push('| target | measured | verdict |');
  out.push('|---|---|---|');
  for (const t of targets({ startup, perSize })) out.push(`| ${t.target} | ${t.measured} | ${t.ok === null ? 'not measured' : verdict(t.ok)} |`);
  for (const n of notes) out.push('', `Note: ${n}`);
  out.push('');
  return out.join('\n');
}

function targets({ startup, perSize }) {
  const out = [];
  const largest = perSize.at(-1);
  const at = largest ? `${fmtInt(largest.size)} tiers` : 'no catalog';
  // Native (tierctl's tables) and mapped (BatchTrack's own tables through storage:), per database.
  const storages = (s) => [...Object.entries(s.backends), ...Object.entries(s.mapped ?? {}).map(([db, b]) => [`${db}, mapped`, b])];
  const databases = [...new Set(perSize.flatMap((s) => storages(s).map(([db]) => db)))];
  const of = (s, db) => storages(s).find(([name]) => name === db)?.[1];

  for (const db of databases) {
    const sized = perSize.filter((s) => of(s, db));
    const reads = sized.map((s) => of(s, db).planCurrent.statements);
    const noops = sized.map((s) => of(s, db).noop.statements);
    out.push({
      target: `${db}: reading state costs a constant number of queries`,
      measured: `plan on an up-to-date database: ${reads.join(' / ')} statements; no-op apply: ${noops.join(' / ')} (at ${sized.map((s) => fmtInt(s.size)).join(' / ')} tiers)`,
      ok: sized.length > 1 ? new Set(reads).size === 1 && new Set(noops).size === 1 : null,
    });
    const big = largest && of(largest, db);
    if (big) {
      const perStatement = big.rowsWritten / big.applyEmpty.statements;
      out.push({
        target: `${db}: apply writes in batches (statements grow with tables and batches, not rows)`,
        measured: `from empty: ${sized.map((s) => `${fmtInt(of(s, db).applyEmpty.statements)} statements for ${fmtInt(of(s, db).rowsWritten)} rows`).join('; ')}; ${fmtInt(perStatement)} rows per statement at ${at} (one per row would be 1; the bar is ${MIN_ROWS_PER_STATEMENT})`,
        ok: perStatement >= MIN_ROWS_PER_STATEMENT,
      });
    }
  }

  if (largest) {
    const plans = storages(largest).flatMap(([db, b]) => [
      { what: `${db}, empty`, s: b.planEmpty.seconds, cpu: b.planEmpty.cpuSeconds, load: b.planEmpty.load },
      { what: `${db}, up to date`, s: b.planCurrent.seconds, cpu: b.planCurrent.cpuSeconds, load: b.planCurrent.load },
    ]);
    const worst = Math.max(...plans.map((p) => p.s));
    const floor = largest.floor;
    out.push({
      target: `plan at ${at} within ${PLAN_FLOOR_FACTOR}× the parse floor (wall time)`,
      measured: `floor ${fmtSeconds(floor.seconds)} s (load ${floor.load?.toFixed(1) ?? '-'}); plan ${plans.map((p) => `${fmtSeconds(p.s)} s (${p.what}, ${(p.s / floor.seconds).toFixed(2)}×, load ${p.load?.toFixed(1) ?? '-'})`).join(', ')}; worst ${(worst / floor.seconds).toFixed(2)}×`,
      ok: plans.length ? worst <= PLAN_FLOOR_FACTOR * floor.seconds : null,
    });
    // The same comparison in CPU seconds, which a loaded machine disturbs far less than wall time.
    if (floor.cpuSeconds) {
      const worstCpu = Math.max(...plans.map((p) => p.cpu ?? 0));
      out.push({
        target: `plan at ${at} within ${PLAN_FLOOR_FACTOR}× the parse floor (CPU time)`,
        measured: `floor ${fmtSeconds(floor.cpuSeconds)} s; plan ${plans.map((p) => `${fmtSeconds(p.cpu ?? 0)} s (${p.what}, ${((p.cpu ?? 0) / floor.cpuSeconds).toFixed(2)}×)`).join(', ')}; worst ${(worstCpu / floor.cpuSeconds).toFixed(2)}×`,
        ok: worstCpu <= PLAN_FLOOR_FACTOR * floor.cpuSeconds,
      });
    }
  }

  out.push({
    target: `\`tierctl --help\` starts in under ${STARTUP_LIMIT_S * 1000} ms`,
    measured: `${Math.round(startup.help.seconds * 1000)} ms (median)`,
    ok: startup.help.seconds < STARTUP_LIMIT_S,
  });
  out.push({
    target: `\`tierctl validate\` on the reference catalog in under ${STARTUP_LIMIT_S * 1000} ms`,
    measured: `${Math.round(startup.validate.seconds * 1000)} ms (median)`,
    ok: startup.validate.seconds < STARTUP_LIMIT_S,
  });

  if (largest) {
    const runs = [['validate', largest.validate], ...storages(largest).flatMap(([db, b]) => [
      [`${db} plan, empty`, b.planEmpty], [`${db} apply from empty`, b.applyEmpty], [`${db} plan, up to date`, b.planCurrent],
      [`${db} no-op apply`, b.noop], [`${db} 10% update`, b.update],
    ])];
    const peak = runs.reduce((best, cur) => ((cur[1].rssMb ?? 0) > (best[1].rssMb ?? 0) ? cur : best), runs[0]);
    const range = (filter) => {
      const mb = runs.filter(([label]) => filter.test(label)).map(([, r]) => r.rssMb ?? 0);
      return mb.length ? `${fmtInt(Math.min(...mb))}–${fmtInt(Math.max(...mb))} MB` : '-';
    };
    const ok = peak && peak[1].rssMb !== null ? peak[1].rssMb < RSS_LIMIT_MB : null;
    out.push({
      target: `peak memory at ${at} under ${RSS_LIMIT_MB} MB`,
      measured: `worst ${fmtInt(peak[1].rssMb)} MB (${peak[0]}); validate ${range(/^validate$/)}, plan ${range(/plan/)}, apply ${range(/apply|no-op|update/)}${ok === false ? ' (why: docs/benchmarks.md, "Memory at 10,000 tiers")' : ''}`,
      ok,
    });
  }
  return out;
}
