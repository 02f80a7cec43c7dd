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

/** The resolved URLs that belong to the Ink view: Ink, React, or tierctl's own ui/ modules. */
export const inkModules = (urls: string[]): string[] => urls.filter((u) => /\/node_modules\/(ink|react)\/|\/dist\/src\/ui\//.test(u));
