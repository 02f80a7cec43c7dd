import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** tierctl's package root, found by walking up (this file runs from src/ in tests and dist/src/ when built). */
export const PACKAGE_ROOT: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'tierctl') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('tierctl package.json not found');
    dir = parent;
  }
})();

export const TOOL_VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
