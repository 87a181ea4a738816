// npm run check-settings (and first thing in npm run synth)
//
// Checks the settings file (the one named on the command line, else the one named by
// BLOG_SETTINGS, else blog.settings.json) and prints every problem once, one line each,
// exit status 1; or one line saying it is fine. cdktf synth would also refuse bad settings,
// but it prints the app's output twice.
import * as fs from 'fs';
import { loadSettingsFile, settingsFileToRead } from '../core/settings-file';

const args = process.argv.slice(2);
if (args.length > 1) {
  process.stderr.write(`check-settings takes at most one settings file; got ${args.length} arguments: ${args.join(' ')}\n`);
  process.exit(1);
}
const { file, required } = settingsFileToRead(args[0]);
try {
  loadSettingsFile(file, required);
  process.stdout.write(`Settings ${required || fs.existsSync(file) ? `in ${file}` : '(the defaults)'} are valid.\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
