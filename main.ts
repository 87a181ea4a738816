// Synthesizes the blog host from the settings file (blog.settings.json, or the file named by
// BLOG_SETTINGS). Everything else lives in constructs/ and core/.
import { App } from 'cdktf';
import { BlogHostStack } from './constructs/blog-host-stack';
import { loadSettingsFile, SettingsFileError, settingsFileToRead } from './core/settings-file';
import { SettingsError } from './core/validation';

const { file, required } = settingsFileToRead();
try {
  const { given, resolved } = loadSettingsFile(file, required);
  const app = new App();
  new BlogHostStack(app, resolved.name, given);
  app.synth();
} catch (error) {
  // A settings problem is the user's to fix, not a bug: say what is wrong, once, without a trace.
  if (!(error instanceof SettingsError) && !(error instanceof SettingsFileError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
