// Synthesizes the blog host from the settings file (blog.settings.json, or the file named by
// BLOG_SETTINGS). Everything else lives in constructs/.
import { App } from 'cdktf';
import { BlogHostStack } from './constructs/blog-host-stack';
import { DEFAULT_STACK_NAME } from './constructs/blog-settings';
import { loadSettingsFile } from './constructs/settings-file';

const settingsFile = process.env.BLOG_SETTINGS ?? 'blog.settings.json';
const settings = loadSettingsFile(settingsFile, process.env.BLOG_SETTINGS !== undefined);

const app = new App();
new BlogHostStack(app, settings.name ?? DEFAULT_STACK_NAME, settings);
app.synth();
