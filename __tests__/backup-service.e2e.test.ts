import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { BACKUP_ENV } from '../core/backups';
import { MYSQL_ENV } from '../core/services';
import { resolveBlogSettings } from '../core/settings';
import { BlogHostSettings } from '../core/settings-schema';
import { Json } from '../core/terraform-json';
import { RESTIC_BIN, RESTIC_INSTALL, resticIsRecentEnough, resticVersion } from '../test-support/backup-tools';
import { artifactPath } from '../test-support/browser';
import { LocalDocker } from '../test-support/local-docker';
import { E2E_SETTINGS, OWNER, ownerClient } from '../test-support/real-ghost';
import { describeWhenAvailable } from '../test-support/required-tools';
import { synthBlogHost } from '../test-support/synth';
import { backupNow, restore } from '../tools/backup-commands';
import { GhostClient } from '../tools/ghost-admin-client';
import { planEnvironment } from '../tools/ghost-server';
import { noisePng } from '../tools/png';
import { E2E_SECRETS, RealGhostStack, startRealGhostStack } from '../tools/real-ghost-stack';

/**
 * The restore drill, with real parts: a real Ghost on MariaDB behind the generated proxy,
 * the backup image's own script (assets/backup/backup-client.sh) with the environment the
 * plan gives the backup container, and restic itself. `npm run backup-now` and
 * `npm run restore` run as users run them; only the docker CLI they drive is answered by
 * LocalDocker, since no Docker engine runs here. The drill backs up while posts are being
 * written, empties the database and the content, restores, and finds the same blog; each
 * way a repository can fail says so and changes nothing. It writes the figures the README
 * quotes to e2e-artifacts/backup-figures.json.
 */

const POSTS = 100;
const IMAGES = 10;
const BLOG = 'www.example.com';
const variables = { ...E2E_SECRETS, restic_password: 'e2e-restic-password-5e8a1c07' };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-e2e-'));
const contentDir = path.join(root, 'content');
const repository = path.join(root, 'repository');
const settings: BlogHostSettings = { ...E2E_SETTINGS, ghost: { contentPath: contentDir }, backup: { repository } };
const resolved = resolveBlogSettings(settings);

/** Bytes under a folder, as du counts them. */
function bytesUnder(dir: string): number {
  return Number(spawnSync('du', ['-sb', dir], { encoding: 'utf8' }).stdout.split('\t')[0]);
}

/** Every file under a folder with its size and SHA-256, by path. */
function filesOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return files;
}

function restic(args: string[], repo: string, env: Record<string, string> = {}) {
  return spawnSync(RESTIC_BIN, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: variables.restic_password, ...env } });
}

function snapshotsIn(repo: string): { time: string; tags: string[]; paths: string[] }[] {
  const listed = restic(['--no-lock', 'snapshots', '--json'], repo);
  if (listed.status !== 0) throw new Error(listed.stderr);
  return JSON.parse(listed.stdout);
}

describeWhenAvailable('backups of a real Ghost, and the restore drill', resticIsRecentEnough(resticVersion()), RESTIC_INSTALL, () => {
  let plan: Json;
  let blog: RealGhostStack;
  let docker: LocalDocker;
  let owner: GhostClient;
  let database: string;
  const figures: Record<string, unknown> = { restic: resticVersion() };
  /** The blog as the second (latest) backup saw it. */
  let expected: { titles: string[]; members: string[]; images: Record<string, string>; title: string };
  let writtenBackup: { tag: string; postsBefore: number; postsAfter: number };
  /** The tag of the second, latest backup. */
  let latestTag: string;

  const publishedCount = async (client = owner) => {
    const answer = await client.expect(200, 'GET', '/ghost/api/admin/posts/?limit=1&fields=id&filter=status:published');
    return (answer.json as { meta: { pagination: { total: number } } }).meta.pagination.total;
  };
  const state = async (client: GhostClient) => {
    const posts = await client.expect(200, 'GET', '/ghost/api/admin/posts/?limit=all&fields=title&filter=status:published');
    const members = await client.expect(200, 'GET', '/ghost/api/admin/members/?limit=all');
    const site = await client.expect(200, 'GET', '/ghost/api/admin/site/');
    const images = Object.fromEntries(Object.entries(filesOf(path.join(contentDir, 'images'))).filter(([file]) => !file.startsWith('size/')));
    return {
      titles: (posts.json as { posts: { title: string }[] }).posts.map((p) => p.title).sort(),
      members: (members.json as { members: { email: string }[] }).members.map((m) => m.email).sort(),
      images,
      title: (site.json as { site: { title: string } }).site.title,
    };
  };
  /** What a failed backup or restore must leave alone: the blog's own tables and its content. */
  const fingerprint = () => ({
    tables: blog.mariadb.sql('CHECKSUM TABLE posts, members, tags, posts_tags', database),
    content: filesOf(contentDir),
  });
  /** The owner, signed in from a new device: the restored password, and a code mailed through the restored settings. */
  const signedIn = async () => {
    const client = new GhostClient({ origin: `https://${BLOG}`, caFile: blog.proxy.certificateFile });
    const since = blog.smtp!.messages.length;
    const answer = await client.signIn(OWNER.email, OWNER.password);
    if (answer.status === 403) {
      const mail = await blog.smtp!.waitFor((m) => /is your Ghost sign in verification code/.test(m.subject), 30_000, since);
      await client.verify(/^(\d{6}) is your Ghost sign in verification code/.exec(mail.subject)![1]);
    } else if (answer.status !== 201) {
      throw new Error(`sign-in answered ${answer.status}: ${answer.body.toString()}`);
    }
    return client;
  };
  /** An image straight from Ghost (not the proxy's cache): the restored file itself. */
  const fromGhost = (route: string) =>
    new Promise<Buffer>((resolve, reject) => {
      http
        .get({ host: blog.ghost.host, port: blog.ghost.port, path: route, headers: { host: BLOG, 'x-forwarded-proto': 'https' } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => (response.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${route} answered ${response.statusCode}`))));
        })
        .on('error', reject);
    });
  const stopsIn = (from: number) => docker.calls.slice(from).filter((call) => call[0] === 'stop');
  const say = (lines: string[]) => (line: string) => lines.push(line);

  beforeAll(async () => {
    plan = synthBlogHost(settings).json;
    database = planEnvironment(plan, 'mysql')[MYSQL_ENV.database];
    blog = await startRealGhostStack({ settings, plan, contentDir });
    docker = new LocalDocker({
      plan,
      variables,
      ghost: blog.ghost,
      ghostContainerName: resolved.ghost.containerName,
      backupContainerName: resolved.backup!.containerName,
      programs: { RESTIC: RESTIC_BIN, MYSQLDUMP: 'mysqldump', MYSQL: 'mysql' },
    });
    owner = await ownerClient(blog);
    await owner.removeRemoteImages();
    const seedStarted = Date.now();
    for (let i = 0; i < IMAGES; i++) {
      const upload = await owner.expect(201, 'POST', '/ghost/api/admin/images/upload/', {
        multipart: { fields: { purpose: 'image' }, file: { field: 'file', name: `photo-${i}.png`, type: 'image/png', data: noisePng(640, 480, i + 1) } },
      });
      const url = (upload.json as { images: { url: string }[] }).images[0].url;
      await owner.expect(201, 'POST', '/ghost/api/admin/posts/?source=html', {
        json: { posts: [{ title: `Photo essay ${i}`, feature_image: url, html: `<p><img src="${url}"></p>`, status: 'published' }] },
      });
    }
    for (let i = IMAGES; i < POSTS; i++) {
      await owner.expect(201, 'POST', '/ghost/api/admin/posts/?source=html', { json: { posts: [{ title: `Essay ${i}`, html: `<p>${'A paragraph of the essay. '.repeat(40)}</p>`.repeat(5), status: 'published' }] } });
    }
    await owner.expect(201, 'POST', '/ghost/api/admin/members/', { json: { members: [{ email: 'reader@example.com', name: 'A Reader' }] } });
    figures.seedSeconds = (Date.now() - seedStarted) / 1000;
  }, 600_000);

  afterAll(async () => {
    fs.writeFileSync(artifactPath('backup-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    await blog?.stop();
    docker?.remove();
    fs.rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('backs up the database and the content while posts are being written', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await owner.expect(201, 'POST', '/ghost/api/admin/posts/?source=html', { json: { posts: [{ title: `Written during the backup ${written}`, html: '<p>Now.</p>', status: 'published' }] } });
        written++;
      }
    })();
    const postsBefore = await publishedCount();
    const contentBefore = filesOf(contentDir);
    const started = Date.now();
    const status = await backupNow(resolved, docker.runner);
    const seconds = (Date.now() - started) / 1000;
    const writtenDuring = written;
    writing = false;
    await writer;
    const postsAfter = await publishedCount();
    expect({ status, output: docker.passedThrough }).toEqual({ status: 0, output: expect.stringMatching(/backup backup:\S+ done/) });
    // Ghost kept writing: the dump did not stop or lock it.
    expect(writtenDuring).toBeGreaterThan(0);
    // The backup read the content through a read-only mount, and changed nothing in it.
    expect(filesOf(contentDir)).toEqual(contentBefore);
    writtenBackup = { tag: /backup (backup:\S+) done/.exec(docker.passedThrough)![1], postsBefore, postsAfter };
    const snapshots = snapshotsIn(repository);
    expect(snapshots.map((s) => s.tags.filter((t) => t !== 'ghost' && !t.startsWith('backup:'))).sort()).toEqual([['content'], ['database']]);
    expect(snapshots.every((s) => s.tags.includes(writtenBackup.tag))).toBe(true);
    Object.assign(figures, {
      blog: { posts: postsAfter, images: IMAGES, contentBytes: bytesUnder(contentDir), databaseDumpBytes: Buffer.byteLength(restic(['--no-lock', 'dump', '--tag', 'database', 'latest', `/${database}.sql`], repository).stdout) },
      firstBackupSeconds: seconds,
      repositoryBytesAfterFirstBackup: bytesUnder(repository),
      postsWrittenDuringBackup: writtenDuring,
    });
  }, 300_000);

  it('adds little to the repository when nothing changed', async () => {
    const before = bytesUnder(repository);
    docker.passedThrough = '';
    const started = Date.now();
    expect(await backupNow(resolved, docker.runner)).toBe(0);
    figures.unchangedBackupSeconds = (Date.now() - started) / 1000;
    latestTag = /backup (backup:\S+) done/.exec(docker.passedThrough)![1];
    const growth = bytesUnder(repository) - before;
    figures.repositoryGrowthPerUnchangedBackupBytes = growth;
    // Deduplicated: an unchanged blog adds its snapshots' metadata and Ghost's few own writes.
    expect(growth).toBeLessThan(1024 * 1024);
    expect(snapshotsIn(repository)).toHaveLength(4);
    expected = await state(owner);
    expect(expected.images).not.toEqual({});
  }, 300_000);

  it('backs up on its schedule and checks the repository by itself', async () => {
    const scheduled = path.join(root, 'scheduled');
    const stateBefore = fs.readFileSync(path.join(docker.stateVolume, 'last-backup'), 'utf8');
    // Every 10 s, aligned to the current minute; an integrity check after every backup.
    const at = new Date().toISOString().slice(11, 16);
    const run = await docker.exec(['run'], { environment: { [BACKUP_ENV.repository]: scheduled, [BACKUP_ENV.interval]: '10', [BACKUP_ENV.at]: at, BACKUP_CHECK_INTERVAL: '0' }, stopAfterMs: 25_000 });
    const log = `${run.stdout}${run.stderr}`;
    expect(log).toMatch(/next backup in \d+s/);
    expect(log).toMatch(/making a new restic repository at /);
    expect(log).toMatch(/backup backup:\S+ done in \d+ s/);
    expect(log).toContain('checking the repository and a tenth of its data');
    expect(log).toContain('no errors were found');
    expect(fs.readFileSync(path.join(docker.stateVolume, 'last-backup'), 'utf8')).not.toBe(stateBefore);
    expect(fs.existsSync(path.join(docker.stateVolume, 'last-check'))).toBe(true);
    expect(new Set(snapshotsIn(scheduled).flatMap((s) => s.tags.filter((t) => t.startsWith('backup:')))).size).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('refuses to restore over a blog that is not empty, before stopping anything', async () => {
    const from = docker.calls.length;
    const lines: string[] = [];
    expect(await restore(resolved, docker.runner, {}, say(lines))).toBe(3);
    expect(lines.join('\n')).toMatch(/holds \d+ tables[\s\S]*Refusing to replace the database and content above: nothing was stopped or changed[\s\S]*--force/);
    expect(stopsIn(from)).toEqual([]);
    expect(blog.ghost.running).toBe(true);
  });

  describe('when the repository fails, says why and overwrites nothing', () => {
    let before: ReturnType<typeof fingerprint>;
    beforeEach(() => {
      before = fingerprint();
      docker.overrides = {};
      docker.passedThrough = '';
    });
    afterEach(async () => {
      docker.overrides = {};
      // A failed restore leaves Ghost and the backup client stopped, on purpose; start them again.
      if (!blog.ghost.running) await docker.runner(['start', resolved.ghost.containerName]);
      await docker.runner(['start', resolved.backup!.containerName]);
    });

    it('a wrong repository password', async () => {
      docker.overrides = { [BACKUP_ENV.password]: 'not-the-password-at-all' };
      const from = docker.calls.length;
      const lines: string[] = [];
      expect(await restore(resolved, docker.runner, { force: true }, say(lines))).toBe(12);
      expect(lines.join('\n')).toContain('the repository password is wrong: RESTIC_PASSWORD does not open');
      expect(stopsIn(from)).toEqual([]);
      expect(await backupNow(resolved, docker.runner)).toBe(12);
      expect(snapshotsIn(repository)).toHaveLength(4);
      expect(fingerprint()).toEqual(before);
    });

    it('a missing repository', async () => {
      docker.overrides = { [BACKUP_ENV.repository]: path.join(root, 'no-such-repository') };
      const from = docker.calls.length;
      const lines: string[] = [];
      expect(await restore(resolved, docker.runner, { force: true }, say(lines))).toBe(10);
      expect(lines.join('\n')).toContain(`there is no restic repository at ${path.join(root, 'no-such-repository')}`);
      expect(stopsIn(from)).toEqual([]);
      expect(fingerprint()).toEqual(before);
    });

    it('a corrupt repository: the check finds it, and a forced restore stops before replacing anything', async () => {
      const corrupt = path.join(root, 'corrupt');
      fs.cpSync(repository, corrupt, { recursive: true });
      for (const pack of Object.keys(filesOf(path.join(corrupt, 'data')))) {
        const file = path.join(corrupt, 'data', pack);
        const bytes = fs.readFileSync(file);
        for (let i = 64; i < bytes.length; i += 4096) bytes[i] ^= 0xff;
        fs.writeFileSync(file, bytes);
      }
      docker.overrides = { [BACKUP_ENV.repository]: corrupt };
      const checked = await docker.exec(['check']);
      expect(checked.status).not.toBe(0);
      expect(`${checked.stdout}${checked.stderr}`).toMatch(/restic check failed|repository contains errors/);
      const lines: string[] = [];
      const status = await restore(resolved, docker.runner, { force: true }, say(lines));
      expect(status).not.toBe(0);
      expect(lines.join('\n')).toContain('cannot be read in full; nothing was changed');
      expect(lines.join('\n')).toContain('stay stopped');
      expect(fingerprint()).toEqual(before);
    }, 180_000);

    it('a full disk under the repository', async () => {
      const full = path.join(root, 'full');
      fs.mkdirSync(full);
      const size = Math.ceil((bytesUnder(repository) + 256 * 1024) / 4096) * 4096;
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', full]).status).toBe(0);
      const extra = path.join(contentDir, 'images', 'too-big-for-the-disk.bin');
      try {
        fs.cpSync(repository, full, { recursive: true });
        fs.writeFileSync(extra, crypto.randomBytes(4 * 1024 * 1024));
        before = fingerprint();
        const snapshotsBefore = snapshotsIn(full).length;
        const lastBackup = fs.readFileSync(path.join(docker.stateVolume, 'last-backup'), 'utf8');
        docker.overrides = { [BACKUP_ENV.repository]: full };
        expect(await backupNow(resolved, docker.runner)).not.toBe(0);
        expect(docker.passedThrough).toContain("the repository's disk is full: this run saved nothing more, and earlier backups are untouched");
        expect(docker.passedThrough).toMatch(/backup backup:\S+ failed; the backups before it are untouched/);
        // No half backup is left, and the latest whole backup is still the one a restore takes.
        expect(snapshotsIn(full)).toHaveLength(snapshotsBefore);
        const check = await docker.exec(['restore-check']);
        expect(check.stdout).toContain(`backup ${latestTag} from`);
        expect(fs.readFileSync(path.join(docker.stateVolume, 'last-backup'), 'utf8')).toBe(lastBackup);
        expect(fingerprint()).toEqual(before);
      } finally {
        fs.rmSync(extra, { force: true });
        spawnSync('umount', [full]);
      }
    }, 180_000);
  });

  it('keeps as many backups as the retention settings say', async () => {
    const kept = path.join(root, 'retention');
    expect(restic(['init'], kept).status).toBe(0);
    const host = resolved.name;
    // Six earlier days of backups, as the client files them (same host, paths and tags).
    for (let day = 1; day <= 6; day++) {
      const time = `2026-01-0${day} 03:00:00`;
      const tag = `backup:2026010${day}T030000Z`;
      const dumped = spawnSync(RESTIC_BIN, ['backup', '--host', host, '--tag', `ghost,database,${tag}`, '--time', time, '--stdin', '--stdin-filename', `${database}.sql`], {
        input: `-- day ${day}\n`,
        env: { ...process.env, RESTIC_REPOSITORY: kept, RESTIC_PASSWORD: variables.restic_password },
      });
      expect(dumped.status).toBe(0);
      const content = spawnSync(RESTIC_BIN, ['backup', '--host', host, '--tag', `ghost,content,${tag}`, '--time', time, '.'], {
        cwd: contentDir,
        env: { ...process.env, RESTIC_REPOSITORY: kept, RESTIC_PASSWORD: variables.restic_password },
      });
      expect(content.status).toBe(0);
    }
    docker.overrides = { [BACKUP_ENV.repository]: kept, [BACKUP_ENV.keepDaily]: '3', [BACKUP_ENV.keepWeekly]: '0', [BACKUP_ENV.keepMonthly]: '0' };
    try {
      expect(await backupNow(resolved, docker.runner)).toBe(0);
    } finally {
      docker.overrides = {};
    }
    const days = (kind: string) =>
      snapshotsIn(kept)
        .filter((s) => s.tags.includes(kind))
        .map((s) => s.time.slice(0, 10))
        .sort();
    const today = new Date().toISOString().slice(0, 10);
    expect(days('database')).toEqual(['2026-01-05', '2026-01-06', today]);
    expect(days('content')).toEqual(['2026-01-05', '2026-01-06', today]);
  }, 180_000);

  it('restores the latest backup onto an emptied blog: the same posts, images and member', async () => {
    await docker.runner(['stop', resolved.ghost.containerName]);
    // The database and the content folder as a new host has them: there, but empty.
    blog.mariadb.sql(`DROP DATABASE \`${database}\`; CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4;`);
    for (const entry of fs.readdirSync(contentDir)) fs.rmSync(path.join(contentDir, entry), { recursive: true, force: true });
    const lines: string[] = [];
    const started = Date.now();
    const status = await restore(resolved, docker.runner, { pause: () => new Promise((resolve) => setTimeout(resolve, 500)) }, say(lines));
    figures.restoreSeconds = (Date.now() - started) / 1000;
    expect({ status, output: lines.join('\n') }).toEqual({ status: 0, output: expect.stringMatching(/restored backup:\S+ \([^)]+\): \d+ tables, \d+ files and folders[\s\S]*is healthy again/) });
    const client = await signedIn();
    expect(await state(client)).toEqual(expected);
    for (const [file, sha256] of Object.entries(expected.images)) {
      const served = await fromGhost(`/content/images/${file}`);
      expect(crypto.createHash('sha256').update(served).digest('hex')).toBe(sha256);
    }
  }, 300_000);

  it('restores the backup taken while posts were being written: a consistent database, within the writes', async () => {
    const lines: string[] = [];
    const status = await restore(resolved, docker.runner, { backup: writtenBackup.tag, force: true, pause: () => new Promise((resolve) => setTimeout(resolve, 500)) }, say(lines));
    expect({ status, output: lines.join('\n') }).toEqual({ status: 0, output: expect.stringContaining(`restored ${writtenBackup.tag}`) });
    const count = await publishedCount(await signedIn());
    expect(count).toBeGreaterThanOrEqual(writtenBackup.postsBefore);
    expect(count).toBeLessThanOrEqual(writtenBackup.postsAfter);
  }, 300_000);
});
