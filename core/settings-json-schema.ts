import { z } from 'zod';
import { BLOG_SETTINGS_SCHEMA } from './settings-schema';

/** The file the example settings name in `$schema`, next to it at the repository's root. */
export const SETTINGS_JSON_SCHEMA_FILE = 'blog.settings.schema.json';

/**
 * The settings schema as JSON Schema (draft 2020-12), for editors: completion, the
 * descriptions and defaults, and the types. The checks that JSON Schema cannot say (host
 * names, paths clear of system directories, ...) run at synth.
 */
export function settingsJsonSchema(): object {
  return z.toJSONSchema(BLOG_SETTINGS_SCHEMA, { io: 'input', target: 'draft-2020-12' });
}

/** The schema file's text: stable key order and a final newline, so a diff shows real changes. */
export function settingsJsonSchemaText(): string {
  return `${JSON.stringify(settingsJsonSchema(), null, 2)}\n`;
}
