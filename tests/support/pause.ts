import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PausePoint } from '../../src/store/tier-store.js';

const POLL_MS = 5;

/**
 * The test side of the pause points in src/cli/test-hooks.ts: an apply started with
 * `pause.env(point)` signals every named point it reaches (a marker file per point and
 * process) and stops at `point` until `resume()`. So a SIGKILL lands exactly where it is
 * meant to, and a lock is held exactly as long as a test needs, without sleeping.
 */
export class PauseControl {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'tierctl-pause-'));

  /** Environment for an apply: signal every point, stop at `at` (none: signal only). */
  env(at?: PausePoint, tag?: string): Record<string, string> {
    return { TIERCTL_TEST_PAUSE_DIR: this.dir, ...(at ? { TIERCTL_TEST_PAUSE_AT: at } : {}), ...(tag ? { TIERCTL_TEST_PAUSE_TAG: tag } : {}) };
  }

  /** Tags (pids, unless a tag was given) of the applies that have reached `point`. */
  reached(point: PausePoint): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.startsWith(`${point}.`) && !f.endsWith('.tmp'))
      .map((f) => f.slice(point.length + 1));
  }

  /**
   * Waits until `count` applies have reached `point`. Resolves false when `gaveUp`
   * settles first (the process exited without reaching it); throws after `timeoutMs`.
   */
  async waitFor(point: PausePoint, options: { count?: number; gaveUp?: Promise<unknown>; timeoutMs?: number } = {}): Promise<boolean> {
    const count = options.count ?? 1;
    let settled = false;
    void options.gaveUp?.then(
      () => (settled = true),
      () => (settled = true),
    );
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
      if (this.reached(point).length >= count) return true;
      if (settled) return this.reached(point).length >= count;
      if (Date.now() > deadline) throw new Error(`no apply reached pause point ${point} (${this.reached(point).length}/${count}) within ${options.timeoutMs ?? 120_000} ms`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Lets every apply paused here go on. */
  resume(): void {
    writeFileSync(path.join(this.dir, 'resume'), '');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
