// Imported first by tests/unit/ui.test.tsx: Ink's colour library reads FORCE_COLOR once,
// when it is first imported, and a test runner's stdout is no TTY. The test file puts
// the previous value back right after its imports, so no spawned process inherits it.
export const previousForceColor = process.env['FORCE_COLOR'];
process.env['FORCE_COLOR'] = '1';

export function restoreForceColor(): void {
  if (previousForceColor === undefined) delete process.env['FORCE_COLOR'];
  else process.env['FORCE_COLOR'] = previousForceColor;
}
