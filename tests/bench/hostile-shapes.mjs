// Hostile YAML shapes under the 1 MiB cap whose cost grew faster than their size in 0.1.0
// (issue 15 item 10): `validate` ran 548 s on a 131,000-key flow mapping and 29 s on
// 50,000 aliases. The hostile-input corpus checks each is refused with a clear message;
// `npm run bench` times them against a generous bound (numbers, never a timed test).

/** Seconds `validate` may take on any of these shapes before the benchmark reports a miss. */
export const HOSTILE_BOUND_SECONDS = 10;

const MIB = 1024 * 1024;

/** Keys `k0`, `k1`, … until the file is just under 1 MiB. */
function underCap(head, item, sep, tail) {
  const parts = [];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const next = item(i);
    if (size + next.length + sep.length >= MIB - 64) break;
    parts.push(next);
    size += next.length + sep.length;
  }
  return `${head}${parts.join(sep)}${tail}`;
}

const TIER_HEAD = (key) => `key: ${key}\nname: Wide\nbilling: { provider: exempt }\n`;

/** name -> [file name, text] */
export const HOSTILE_SHAPES = {
  'wide-flow-mapping': () => ['wide.yaml', underCap(`${TIER_HEAD('wide')}limits: {`, (i) => `k${i.toString(36)}: 1`, ', ', '}\n')],
  'wide-block-mapping': () => ['block.yaml', underCap(`${TIER_HEAD('block')}limits:\n`, (i) => `  k${i.toString(36)}: 1`, '\n', '\n')],
  'long-flow-list': () => ['list.yaml', underCap(`${TIER_HEAD('list')}permissions: [`, (i) => `p${i.toString(36)}`, ',', ']\n')],
  'many-aliases': () => ['aliases.yaml', `${TIER_HEAD('aliases')}permissions: &p [reports.view]\nextra: [${Array(50_000).fill('*p').join(', ')}]\n`],
};
