// npm run settings-schema
//
// Writes blog.settings.schema.json from the settings schema (core/settings-schema.ts), so
// editors check and complete blog.settings.json. A test fails when the file is stale.
import * as fs from 'fs';
import * as path from 'path';
import { SETTINGS_JSON_SCHEMA_FILE, settingsJsonSchemaText } from '../core/settings-json-schema';

const file = path.join(__dirname, '..', SETTINGS_JSON_SCHEMA_FILE);
fs.writeFileSync(file, settingsJsonSchemaText());
process.stdout.write(`Wrote ${path.relative(process.cwd(), file)}\n`);
