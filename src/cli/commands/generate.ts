import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderCatalogTypes } from '../../codegen/catalog-types.js';
import { TierctlError, type Outcome } from '../../errors.js';
import type { Values } from '../command-spec.js';
import type { Io } from '../io.js';
import { loadDesired } from '../shared.js';

export const GENERATE_TARGETS = ['types'] as const;

/** `tierctl generate types`: the typed-names module for the application (see codegen/catalog-types.ts). */
export async function run(values: Values, positionals: string[], io: Io): Promise<Outcome> {
  const [target] = positionals;
  if (target !== 'types') {
    throw new TierctlError(target === undefined ? 'say what to generate' : `cannot generate "${target}"`, { hint: `usage: tierctl generate ${GENERATE_TARGETS.join('|')} [--dir tiers] [--out src/tiers.gen.ts] [--check]` });
  }
  const dir = values['dir'] as string;
  const out = values['out'] as string;
  const loaded = await loadDesired(dir, io);
  // The header names the directory as the user wrote it, normalised, so `--dir ./tiers` and `--dir tiers` agree.
  const text = renderCatalogTypes(loaded, path.posix.normalize(dir.replaceAll('\\', '/')).replace(/\/$/, ''));
  const file = path.resolve(io.cwd, out);
  const current = readIfExists(file);

  if (values['check'] === true) {
    if (current === undefined) throw new TierctlError(`${out} does not exist`, { hint: `generate it with: tierctl generate types --dir ${dir} --out ${out}` });
    if (current !== text) {
      throw new TierctlError(`${out}:${firstDifferentLine(current, text)}:1: out of date with the tier files in ${dir}/`, {
        hint: `regenerate it with: tierctl generate types --dir ${dir} --out ${out}, and commit the result`,
      });
    }
    io.err(`${out} is up to date\n`);
    return 'ok';
  }
  if (current === text) {
    io.err(`${out} is up to date\n`);
    return 'ok';
  }
  mkdirSync(path.dirname(file), { recursive: true });
  // Written beside and renamed over, so a watcher or an editor never sees half a module.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  io.err(`Wrote ${out}: ${n(Object.keys(loaded.catalog.tiers).length, 'tier')}, ${n(Object.keys(loaded.catalog.permissions).length, 'permission')}, ${n(Object.keys(loaded.limits).length, 'limit')}\n`);
  return 'ok';
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TierctlError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}
