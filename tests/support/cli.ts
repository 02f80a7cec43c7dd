import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'tierctl.js');
export const REFERENCE_TIERS = path.join(ROOT, 'tiers');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real tierctl process (built dist/), never an in-process shortcut. */
export function tierctl(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, CI: 'true', NO_COLOR: '1', STRIPE_API_KEY: undefined, DATABASE_URL: undefined, ...options.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A temporary working directory holding a copy of the reference tiers/. */
export function workdirWithTiers(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tierctl-work-'));
  cpSync(REFERENCE_TIERS, path.join(dir, 'tiers'), { recursive: true });
  cpSync(path.join(ROOT, 'schemas'), path.join(dir, 'schemas'), { recursive: true });
  return dir;
}

/** Replaces `cwd`/tiers/ with catalog.yaml and the given tier files (name -> text). */
export function writeTierDir(cwd: string, catalog: string, files: Record<string, string>): void {
  const dir = path.join(cwd, 'tiers');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'catalog.yaml'), catalog);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
}

/** Edits a tier file in a work dir; throws when the edit would change nothing (a test typo, not a pass). */
export function editTierFile(cwd: string, file: string, from: string | RegExp, to: string): void {
  const p = path.join(cwd, 'tiers', file);
  const text = readFileSync(p, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit of ${file} changed nothing`);
  writeFileSync(p, next);
}

/**
 * For workflow tests: a directory holding an `npx` that runs `node_modules/.bin/<command>` of
 * the current directory, as npx does once `npm ci` installed it, without starting npm (~0.6 s
 * of CPU per call). Put it first on the PATH the workflow's `run:` scripts get.
 * (tests/cli/pr-plan-reduction.test.ts keeps the real npx, so that resolution is proven too.)
 */
export function npxShim(dir: string): string {
  const bin = path.join(dir, 'npx-shim');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'npx'), '#!/bin/sh\ncmd="$1"; shift\nexec "$PWD/node_modules/.bin/$cmd" "$@"\n', { mode: 0o755 });
  return bin;
}
