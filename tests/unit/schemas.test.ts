import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { schemaFiles } from '../../src/catalog/schema-files.js';
import { ROOT } from '../support/cli.js';

describe('published JSON Schemas', () => {
  for (const [name, schema] of Object.entries(schemaFiles)) {
    it(`schemas/${name} is what src/ generates (run \`npm run schemas\` after editing the schema source)`, () => {
      const published = JSON.parse(readFileSync(path.join(ROOT, 'schemas', name), 'utf8')) as unknown;
      expect(published).toEqual(JSON.parse(JSON.stringify(schema)));
    });

    it(`schemas/${name} compiles under strict draft 2020-12 and describes every field`, () => {
      expect(() => new Ajv2020({ strict: true, allowUnionTypes: true }).compile(schema)).not.toThrow();
      if (name === 'plan.schema.json') return;
      const undocumented: string[] = [];
      const walk = (node: unknown, where: string) => {
        if (!node || typeof node !== 'object') return;
        const props = (node as { properties?: Record<string, unknown> }).properties;
        for (const [key, value] of Object.entries(props ?? {})) {
          if (!(value as { description?: string }).description) undocumented.push(`${where}.${key}`);
          walk(value, `${where}.${key}`);
        }
        const extra = (node as { additionalProperties?: unknown }).additionalProperties;
        if (extra && typeof extra === 'object') walk(extra, `${where}.*`);
      };
      walk(schema, '');
      expect(undocumented).toEqual([]);
      expect((schema as { $id?: string }).$id).toMatch(/^https:\/\//);
    });
  }

  it('every tier file in tiers/ names its schema for editors', () => {
    const dir = path.join(ROOT, 'tiers');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      expect(readFileSync(path.join(dir, f), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/schemas\/(tier|catalog)\.schema\.json$/m);
    }
  });
});
