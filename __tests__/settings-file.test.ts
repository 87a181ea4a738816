import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadSettingsFile, parseSettings } from '../constructs/settings-file';

describe('parseSettings', () => {
  it('accepts the documented example file', () => {
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'blog.settings.example.json'), 'utf8'));
    expect(parseSettings(example, 'example')).toEqual(example);
  });

  it('refuses an unknown key and lists the allowed ones', () => {
    expect(() => parseSettings({ proxy: { memory: 64 } }, 'f.json')).toThrow(/proxy\.memory: got 64; unknown setting \(in f\.json\); allowed here: containerName, memoryMb/);
  });

  it('refuses a value of the wrong type', () => {
    expect(() => parseSettings({ ports: { http: '80' } }, 'f.json')).toThrow(/ports\.http: got "80"; expected a number/);
    expect(() => parseSettings({ redirectDomains: 'example.com' }, 'f.json')).toThrow(/redirectDomains: got "example\.com"; expected a list of strings/);
    expect(() => parseSettings({ tls: true }, 'f.json')).toThrow(/tls: got true; expected an object/);
  });

  it('refuses a literal secret without echoing it', () => {
    const attempt = () => parseSettings({ mail: { password: 'hunter2-sentinel' } }, 'f.json');
    expect(attempt).toThrow(/mail\.password: got "\(a literal secret, not shown\)"; secrets may only be given as sensitive Terraform variables \(TF_VAR_mysql_root_password/);
    expect(attempt).not.toThrow(/hunter2/);
    expect(() => parseSettings({ mysql: { rootPassword: 'x' } }, 'f.json')).toThrow(/mysql\.rootPassword: .*TF_VAR_/);
  });

  it('takes false for mail, and an object', () => {
    expect(parseSettings({ mail: false }, 'f')).toEqual({ mail: false });
    expect(() => parseSettings({ mail: true }, 'f')).toThrow(/mail: got true; expected an object/);
  });
});

describe('loadSettingsFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the defaults when the default file is absent', () => {
    expect(loadSettingsFile(path.join(dir, 'absent.json'), false)).toEqual({});
  });

  it('refuses a missing file the user named', () => {
    expect(() => loadSettingsFile(path.join(dir, 'absent.json'), true)).toThrow(/absent\.json does not exist/);
  });

  it('refuses a file that is not JSON', () => {
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{ "name": ');
    expect(() => loadSettingsFile(file, true)).toThrow(/broken\.json is not valid JSON/);
  });

  it('reads a valid file', () => {
    const file = path.join(dir, 'ok.json');
    fs.writeFileSync(file, JSON.stringify({ siteUrl: 'https://blog.example.net', ghost: { memoryMb: 640 } }));
    expect(loadSettingsFile(file, true)).toEqual({ siteUrl: 'https://blog.example.net', ghost: { memoryMb: 640 } });
  });
});
