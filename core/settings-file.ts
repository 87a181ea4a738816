import * as fs from 'fs';
import { BlogHostSettings } from './settings-schema';
import { resolveBlogSettings } from './settings';

/**
 * The settings in `file`, checked whole: every problem is reported at once (a SettingsError
 * naming the file), before anything is built from them. A missing file means the
 * defaults, unless `required` (a path the user named explicitly, which must exist).
 */
export function loadSettingsFile(file: string, required: boolean): BlogHostSettings {
  if (!fs.existsSync(file)) {
    if (required) throw new Error(`Settings file ${file} does not exist.`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Settings file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  resolveBlogSettings(parsed as BlogHostSettings, file);
  return parsed as BlogHostSettings;
}
