// The floor the benchmark compares `plan` with: read every YAML file of a directory
// and yaml.parse it, nothing else (no positions, no schema, no rules, no database).
// Run as its own process, so it pays the same Node start-up as the CLI does.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node parse-floor.mjs DIR');
let files = 0;
for (const name of readdirSync(dir)) {
  if (!name.endsWith('.yaml')) continue;
  parse(readFileSync(path.join(dir, name), 'utf8'));
  files++;
}
process.stdout.write(`${files}\n`);
