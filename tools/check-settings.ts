// npm run check-settings (and first thing in npm run synth)
//
// Checks the settings file (blog.settings.json, or the file named by BLOG_SETTINGS) and
// prints every problem once, one line each, exit status 1; or one line saying it is fine.
// cdktf synth would also refuse bad settings, but it prints the app's output twice.
import * as fs from 'fs';
import { loadSettingsFile } from '../core/settings-file';

const file = process.env.BLOG_SETTINGS ?? 'blog.settings.json';
try {
  loadSettingsFile(file, process.env.BLOG_SETTINGS !== undefined);
  process.stdout.write(`Settings ${process.env.BLOG_SETTINGS !== undefined || fs.existsSync(file) ? `in ${file}` : '(the defaults)'} are valid.\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
