import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** CLI tests run the real built binary; make sure dist/ exists (npm test builds first). */
export default function setup(): void {
  if (!existsSync(new URL('../../dist/src/cli/main.js', import.meta.url))) {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  }
}
