import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadSettingsFile, SettingsFileError, settingsFileToRead } from '../core/settings-file';

describe('loadSettingsFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, content: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  }

  it('accepts the documented example file', () => {
    const example = path.join(__dirname, '..', 'blog.settings.example.json');
    expect(loadSettingsFile(example, true).given).toEqual(JSON.parse(fs.readFileSync(example, 'utf8')));
  });

  it('reads the defaults when the default file is absent', () => {
    const loaded = loadSettingsFile(path.join(dir, 'absent.json'), false);
    expect(loaded.given).toEqual({});
    expect(loaded.resolved.name).toBe('ghost-blog');
  });

  it('refuses a missing file the user named', () => {
    expect(() => loadSettingsFile(path.join(dir, 'absent.json'), true)).toThrow(SettingsFileError);
    expect(() => loadSettingsFile(path.join(dir, 'absent.json'), true)).toThrow(/absent\.json does not exist/);
  });

  it('refuses a file that is not JSON', () => {
    expect(() => loadSettingsFile(write('broken.json', '{ "name": '), true)).toThrow(/broken\.json is not valid JSON/);
    expect(() => loadSettingsFile(write('broken.json', '{ "name": '), true)).toThrow(SettingsFileError);
  });

  it('resolves the stack name the file gives', () => {
    expect(loadSettingsFile(write('named.json', JSON.stringify({ name: 'my-blog' })), true).resolved.name).toBe('my-blog');
  });

  it('checks the whole file and names it', () => {
    const file = write('bad.json', JSON.stringify({ proxy: { memoryMb: 0 }, mysql: { user: 'a b' } }));
    expect(() => loadSettingsFile(file, true)).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')}: 2 invalid settings:\n  - Invalid setting proxy\\.memoryMb: .*\n  - Invalid setting mysql\\.user: `));
  });

  it('reads a valid file', () => {
    const file = write('ok.json', JSON.stringify({ siteUrl: 'https://blog.example.net', ghost: { memoryMb: 640 } }));
    const loaded = loadSettingsFile(file, true);
    // As written, for the stack; and with the defaults, for what comes before it (its name).
    expect(loaded.given).toEqual({ siteUrl: 'https://blog.example.net', ghost: { memoryMb: 640 } });
    expect(loaded.resolved).toMatchObject({ name: 'ghost-blog', siteUrl: 'https://blog.example.net', ghost: { memoryMb: 640 } });
  });
});

describe('settingsFileToRead', () => {
  it('reads the file named, before BLOG_SETTINGS, and requires it', () => {
    expect(settingsFileToRead('named.json', { BLOG_SETTINGS: 'env.json' })).toEqual({ file: 'named.json', required: true });
  });

  it('reads the file BLOG_SETTINGS names when none is named, and requires it', () => {
    expect(settingsFileToRead(undefined, { BLOG_SETTINGS: 'env.json' })).toEqual({ file: 'env.json', required: true });
  });

  it('falls back to blog.settings.json, which may be absent', () => {
    expect(settingsFileToRead(undefined, {})).toEqual({ file: 'blog.settings.json', required: false });
  });
});
