import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Environment that makes a spawned tierctl record every module it resolves (through
 * the `--import` hook in record-resolutions.mjs), and a reader for that record.
 */
export function recordResolutions(): { env: Record<string, string>; resolved(): string[] } {
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'tierctl-resolve-')), 'resolved.txt');
  const hook = pathToFileURL(path.join(import.meta.dirname, 'record-resolutions.mjs')).href;
  return {
    env: { NODE_OPTIONS: `--import=${hook} ${process.env['NODE_OPTIONS'] ?? ''}`.trim(), TIERCTL_TEST_RESOLVE_LOG: log },
    resolved: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

/** The bundle's entry (rolldown.config.mjs), which every run of bin/tierctl.js resolves. */
export const CLI_ENTRY = '/dist/cli/tierctl.js';

/**
 * The resolved URLs that belong to the Ink view: Ink, React (external to the bundle, so
 * resolved from node_modules), or tierctl's own ui/ modules (the bundle's `ui` chunk).
 */
export const inkModules = (urls: string[]): string[] => urls.filter((u) => /\/node_modules\/(ink|react)\/|\/dist\/cli\/chunks\/ui-[^/]*\.js$/.test(u));
