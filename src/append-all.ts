/**
 * `target.push(...items)` passes every item as an argument, and V8 overflows the stack
 * past ~120,000 of them (a hostile catalog reaches that in diagnostics). Use this for
 * any array whose length the input decides.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}
