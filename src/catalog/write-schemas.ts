// `npm run schemas`: writes schemas/*.json from the schema objects in schemas.ts, and the
// precompiled validators of the tier and catalog schemas (shape-validators-source.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaFiles } from './schema-files.js';
import { SHAPE_VALIDATORS_FILE, shapeValidatorsSource } from './shape-validators-source.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
for (const [name, schema] of Object.entries(schemaFiles)) {
  writeFileSync(`${root}schemas/${name}`, `${JSON.stringify(schema, null, 2)}\n`);
  process.stderr.write(`wrote schemas/${name}\n`);
}
writeFileSync(`${root}${SHAPE_VALIDATORS_FILE}`, shapeValidatorsSource());
process.stderr.write(`wrote ${SHAPE_VALIDATORS_FILE}\n`);
