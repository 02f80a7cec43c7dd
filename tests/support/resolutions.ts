import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onTestFinished } from 'vitest';

/**
 * Environment that makes a spawned tierctl record every module it resolves (through
 * the `--import` hook in record-resolutions.mjs), and a reader for that record.
 */
export function recordResolutions(): { env: Record<string, string>; resolved(): string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tierctl-resolve-'));
  // Called inside a test: its record goes when the test does.
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'resolved.txt');
  const hook = pathToFileURL(path.join(import.meta.dirname, 'record-resolutions.mjs')).href;
  return {
    env: { NODE_OPTIONS: `--import=${hook} ${process.env['NODE_OPTIONS'] ?? ''}`.trim(), TIERCTL_TEST_RESOLVE_LOG: log },
    resolved: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

/** The bundle's entry (rolldown.config.mjs), which every run of bin/tierctl.js resolves. */
export const CLI_ENTRY = '/dist/cli/tierctl.js';

const CHUNKS = path.join(import.meta.dirname, '..', '..', 'dist', 'cli', 'chunks');

/**
 * The bundle's chunks that hold Ink, React or tierctl's own ui/ views, found by content: the
 * bundler heads each module it copies with its path (`// node_modules/ink/build/ink.js`,
 * `// src/ui/plan-view.tsx`), so this holds wherever rolldown puts them.
 */
function viewChunks(): Set<string> {
  const holdsView = /^\/\/ (node_modules\/(ink|react|react-reconciler)\/|src\/ui\/)/m;
  return new Set(
    readdirSync(CHUNKS)
      .map((name) => path.join(CHUNKS, name))
      .filter((file) => holdsView.test(readFileSync(file, 'utf8'))),
  );
}

/**
 * The resolved URLs that belong to the Ink view: a chunk holding Ink, React or tierctl's
 * ui/ modules, or Ink or React resolved from node_modules (were they ever left unbundled).
 */
export function inkModules(urls: string[]): string[] {
  const chunks = viewChunks();
  if (chunks.size === 0) throw new Error(`no chunk in ${CHUNKS} holds Ink: is the bundle built, and does rolldown still head modules with their path?`);
  return urls.filter((u) => /\/node_modules\/(ink|react)\//.test(u) || (u.startsWith('file:') && chunks.has(fileURLToPath(u))));
}
