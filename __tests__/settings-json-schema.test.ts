import Ajv2020 from 'ajv/dist/2020';
import * as fs from 'fs';
import * as path from 'path';
import { SETTINGS_JSON_SCHEMA_FILE, settingsJsonSchema, settingsJsonSchemaText } from '../core/settings-json-schema';

const ROOT = path.join(__dirname, '..');

describe('the published JSON Schema', () => {
  const published = fs.readFileSync(path.join(ROOT, SETTINGS_JSON_SCHEMA_FILE), 'utf8');
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(published));

  it('is the one the settings schema makes (run npm run settings-schema after changing a setting)', () => {
    expect(published).toBe(settingsJsonSchemaText());
  });

  it('is named by the example settings file, which it accepts', () => {
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'blog.settings.example.json'), 'utf8'));
    expect(example.$schema).toBe(`./${SETTINGS_JSON_SCHEMA_FILE}`);
    expect(validate(example)).toBe(true);
  });

  it('lets an editor flag unknown keys and wrong types', () => {
    expect(validate({ proxy: { memory: 64 } })).toBe(false);
    expect(validate({ ports: { http: '80' } })).toBe(false);
    expect(validate({ tls: { profile: 'old' } })).toBe(false);
    expect(validate({ mail: { host: 'smtp.example.net' } })).toBe(false);
  });

  it('describes every setting, for the editor to show', () => {
    const undescribed: string[] = [];
    const walk = (node: Record<string, unknown>, at: string) => {
      for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        const branches = [child, ...(((child.anyOf as Record<string, unknown>[]) ?? []))];
        if (!branches.some((b) => typeof b.description === 'string') && !child.$ref) undescribed.push(`${at}${key}`);
        for (const branch of branches) walk(branch, `${at}${key}.`);
        if (child.items) walk(child.items as Record<string, unknown>, `${at}${key}[].`);
      }
    };
    walk(settingsJsonSchema() as Record<string, unknown>, '');
    expect(undescribed).toEqual([]);
  });
});
