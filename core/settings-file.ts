import * as fs from 'fs';
import { BlogHostSettings } from './settings-schema';
import { ResolvedBlogSettings, resolveBlogSettings } from './settings';

/** The environment variable naming the settings file, for cdktf synth and every tool. */
export const SETTINGS_FILE_VARIABLE = 'BLOG_SETTINGS';
/** The settings file read when none is named; without it, the defaults apply. */
export const DEFAULT_SETTINGS_FILE = 'blog.settings.json';

/** A settings file that cannot be read: missing when named, or not JSON. */
export class SettingsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsFileError';
  }
}

/**
 * Which settings file to read: the one named (on a command line), else the one named by
 * BLOG_SETTINGS, else blog.settings.json. A file that was named must exist; only the
 * default may be absent.
 */
export function settingsFileToRead(named?: string, environment: NodeJS.ProcessEnv = process.env): { readonly file: string; readonly required: boolean } {
  const chosen = named ?? environment[SETTINGS_FILE_VARIABLE];
  return { file: chosen ?? DEFAULT_SETTINGS_FILE, required: chosen !== undefined };
}

/** A settings file's contents as written, and the same settings with every default applied. */
export interface LoadedSettings {
  /** What the file says: what BlogHostStack takes, so that it resolves the defaults itself. */
  readonly given: BlogHostSettings;
  /** With every default applied, for what is needed before the stack exists (its name). */
  readonly resolved: ResolvedBlogSettings;
}

/**
 * The settings in `file`, checked whole: every problem is reported at once (a SettingsError
 * naming the file), before anything is built from them. A missing file means the
 * defaults, unless `required` (a path the user named explicitly, which must exist): then,
 * as for a file that is not JSON, a SettingsFileError.
 */
export function loadSettingsFile(file: string, required: boolean): LoadedSettings {
  if (!fs.existsSync(file)) {
    if (required) throw new SettingsFileError(`Settings file ${file} does not exist.`);
    return { given: {}, resolved: resolveBlogSettings({}) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SettingsFileError(`Settings file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const given = parsed as BlogHostSettings;
  return { given, resolved: resolveBlogSettings(given, file) };
}
