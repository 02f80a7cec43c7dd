/**
 * Key-indexed records whose keys come from input (tier keys, permission and limit names,
 * lookup keys). A plain `{}` answers `x['constructor']` with Object's constructor and
 * turns `x['__proto__'] = v` into a prototype change, so a tier keyed `constructor` crashed
 * plan and rows keyed `__proto__` vanished. Records made here have no prototype: every
 * key is data, `in` means own, and JSON.stringify writes them like any object.
 */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A prototype-free copy of a record (or of entries). */
export function toDict<T>(source: Readonly<Record<string, T>> | Iterable<readonly [string, T]>): Record<string, T> {
  const out = dict<T>();
  const entries = Symbol.iterator in source ? (source as Iterable<readonly [string, T]>) : Object.entries(source as Record<string, T>);
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** JSON.parse, with every object prototype-free (plan files, audit rows). */
export function parseJsonDict(text: string): unknown {
  // Prototypes dropped in place after a plain parse: a reviver copying every object cost
  // ~4× as much on an audit row's 5 MB catalog (plan reads one at every run, for drift).
  // JSON.parse already makes `__proto__` an own data property, never a prototype change.
  return withoutPrototypes(JSON.parse(text) as unknown);
}

function withoutPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (const item of value) withoutPrototypes(item);
  } else if (value && typeof value === 'object') {
    Object.setPrototypeOf(value, null);
    for (const key in value) withoutPrototypes((value as Record<string, unknown>)[key]);
  }
  return value;
}
