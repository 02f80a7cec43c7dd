// Imported first by tests/unit/ui.test.tsx: Ink's colour library reads FORCE_COLOR once,
// when it is first imported, and a test runner's stdout is no TTY. Likewise Ink decides
// once, at import, whether it runs in CI (is-in-ci reads CI): in CI it draws only the
// last frame on exit, so the frames these tests read would stay empty under CI=true.
// The test file puts the previous values back right after its imports, so no spawned
// process inherits them.
export const previousForceColor = process.env['FORCE_COLOR'];
const previousCi = process.env['CI'];
process.env['FORCE_COLOR'] = '1';
delete process.env['CI'];

export function restoreForceColor(): void {
  if (previousForceColor === undefined) delete process.env['FORCE_COLOR'];
  else process.env['FORCE_COLOR'] = previousForceColor;
  if (previousCi !== undefined) process.env['CI'] = previousCi;
}
