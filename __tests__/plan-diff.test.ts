import { diffPlans, renderPlanDiff, ResourceChange } from '../tools/plan-diff';
import { assetChangeFixture, partialStack, planFixture } from '../test-support/plan-fixtures';

function only(changes: readonly ResourceChange[], label: string): ResourceChange {
  const found = changes.filter((c) => c.label === label || c.label.startsWith(`${label}:`));
  if (found.length !== 1) throw new Error(`expected one change for ${label}, got ${changes.map((c) => c.label).join(', ')}`);
  return found[0];
}

describe('diffPlans', () => {
  it('reports nothing when nothing changed', () => {
    const diff = diffPlans(...planFixture({}, {}));
    expect(diff.changes).toEqual([]);
    expect(diff.dangerous).toBe(false);
    expect(renderPlanDiff(diff, 'main', 'HEAD')).toContain('No changes.');
  });

  it('updates memory in place, without downtime', () => {
    const diff = diffPlans(...planFixture({}, { ghost: { memoryMb: 640 } }));
    expect(diff.changes).toHaveLength(1);
    const ghost = only(diff.changes, 'ghost');
    expect(ghost).toMatchObject({ action: 'update', downtime: false, dangers: [] });
    expect(ghost.attributes.map((a) => [a.attribute, a.before, a.after, a.effect])).toEqual([
      ['memory', 512, 640, 'update'],
      ['memory_swap', 1024, 1280, 'update'],
    ]);
    expect(diff.dangerous).toBe(false);
  });

  it('replaces a container whose log options change, and calls it downtime', () => {
    const diff = diffPlans(...planFixture({}, { proxy: { logMaxFiles: 5 } }));
    const proxy = only(diff.changes, 'proxy');
    expect(proxy).toMatchObject({ action: 'replace', downtime: true, dangers: [] });
    expect(proxy.attributes.map((a) => a.attribute)).toEqual(['log_opts']);
    const text = renderPlanDiff(diff, 'main', 'HEAD');
    expect(text).toMatch(/## Downtime\n\n- container \*\*proxy\*\* is replaced \(stopped, removed and started again\) because of `log_opts`/);
    expect(diff.dangerous).toBe(false);
  });

  it('replaces a container whose environment changes, without printing secrets', () => {
    const mail = { host: 'smtp.example.net', user: 'blog' };
    const diff = diffPlans(...planFixture({ mail }, { mail: { ...mail, from: 'Blog <blog@example.com>' } }));
    const ghost = only(diff.changes, 'ghost');
    expect(ghost).toMatchObject({ action: 'replace', downtime: true });
    expect(ghost.attributes.map((a) => a.attribute)).toEqual(['env']);
    const text = renderPlanDiff(diff, 'main', 'HEAD');
    expect(text).toContain('database__connection__password=(redacted)');
    expect(text).not.toContain('${var.mysql_password}');
  });

  it('rebuilds an image whose context changes and replaces its container through the image ID', () => {
    const diff = diffPlans(...assetChangeFixture());
    expect(diff.changes.map((c) => [c.type, c.action])).toEqual([
      ['docker_container', 'replace'],
      ['docker_image', 'replace'],
    ]);
    const image = diff.changes.find((c) => c.type === 'docker_image')!;
    expect(image.attributes.map((a) => a.attribute)).toEqual(['build.context', 'name', 'triggers']);
    const container = only(diff.changes, 'proxy');
    expect(container.attributes).toEqual([expect.objectContaining({ attribute: 'image', effect: 'replace', via: expect.stringMatching(/^docker_image\.proxy\.image_id changes because docker_image\.proxy is replaced$/) })]);
    expect(diff.dangerous).toBe(false);
  });

  it('flags a data path change as dangerous', () => {
    const diff = diffPlans(...planFixture({}, { mysql: { dataPath: '/srv/ghost-mysql' } }));
    const mysql = only(diff.changes, 'mysql');
    expect(mysql.action).toBe('replace');
    expect(mysql.dangers).toEqual(['data mount /var/lib/ghost-mysql -> /var/lib/mysql becomes /srv/ghost-mysql -> /var/lib/mysql: the container starts on other data']);
    expect(diff.dangerous).toBe(true);
    expect(renderPlanDiff(diff, 'main', 'HEAD')).toMatch(/^# Plan preview: main → HEAD\n[^]*## DANGER: data\n\n- \*\*docker_container\.mysql\*\*: data mount/);
  });

  it('destroys a removed container, as downtime', () => {
    const diff = diffPlans(partialStack(), partialStack('proxy'));
    expect(diff.changes.map((c) => [c.type, c.action])).toEqual([['docker_container', 'destroy'], ['docker_image', 'destroy'], ['docker_volume', 'destroy']]);
    expect(only(diff.changes, 'proxy')).toMatchObject({ downtime: true, dangers: [] });
    // The page cache goes with the proxy: worth a word, not a danger.
    expect(diff.changes.find((c) => c.type === 'docker_volume')).toMatchObject({ dangers: [], warnings: ['volume proxy-cache is destroyed: it holds only the page cache, which the stack makes again'] });
    expect(diff.dangerous).toBe(false);
  });

  it('flags a removed container that held data as dangerous', () => {
    const diff = diffPlans(partialStack(), partialStack('ghost'));
    const ghost = only(diff.changes, 'ghost');
    expect(ghost).toMatchObject({ action: 'destroy', downtime: true });
    expect(ghost.dangers).toEqual(['container ghost is destroyed with its data mount /var/lib/ghost -> /var/lib/ghost/content: the data stays on the host, but nothing serves it']);
    expect(diff.dangerous).toBe(true);
  });

  it('marks changes the provider keeps in state only', () => {
    const diff = diffPlans(...planFixture({}, {}, (stack) => {
      stack.ghost.service.container.putHealthcheck({ test: ['CMD', 'node', '/usr/local/lib/ghost-healthcheck.js'], interval: '60s' });
    }));
    expect(only(diff.changes, 'ghost')).toMatchObject({ action: 'state-only', downtime: false });
    expect(renderPlanDiff(diff, 'a', 'b')).toContain("## Not applied to the running containers\n\n- **ghost**: `healthcheck` changes in Terraform's state only");
  });

  it('flags a renamed stack as a new state beside the old one, and creates everything', () => {
    const diff = diffPlans(...planFixture({}, { name: 'renamed' }));
    expect(diff.dangerous).toBe(true);
    expect(diff.stateDangers).toEqual([expect.stringMatching(/^new state: the backend changes from .*terraform\.ghost-blog\.tfstate.* to .*terraform\.renamed\.tfstate/)]);
    expect(diff.changes.every((c) => c.action === 'create')).toBe(true);
    const text = renderPlanDiff(diff, 'main', 'HEAD');
    expect(text).toMatch(/## DANGER: data\n\n- \*\*the whole stack\*\*: new state: .*the old stack is orphaned and everything is created beside it/);
  });

  it('flags a changed database image as data at risk', () => {
    const diff = diffPlans(...planFixture({}, {}, (stack) => { stack.mysql.image.name = 'mysql:9.4.0'; }));
    const container = diff.changes.find((c) => c.address === 'docker_container.mysql')!;
    expect(container.action).toBe('replace');
    expect(container.dangers).toEqual([expect.stringMatching(/^database image mysql:8\.4\.\d+@sha256:[0-9a-f]{64} becomes mysql:9\.4\.0: MySQL converts its data files on the first start of a newer server, one way/)]);
    expect(diff.dangerous).toBe(true);
  });

  it('warns that a changed database name or user leaves the running data behind', () => {
    const diff = diffPlans(...planFixture({}, { mysql: { database: 'blog', user: 'blogger' } }));
    expect(only(diff.changes, 'mysql').warnings).toEqual([
      expect.stringMatching(/^database name ghost becomes blog: the MySQL image creates the database and user only on an empty data directory/),
      expect.stringMatching(/^database user ghost becomes blogger: /),
    ]);
    expect(diff.dangerous).toBe(false);
    expect(renderPlanDiff(diff, 'a', 'b')).toMatch(/## Warnings\n\n- \*\*docker_container\.mysql\*\*: database name ghost becomes blog/);
  });

  it('warns when certificates start to come from the ACME client instead of your files', () => {
    const own = { tls: { certificatePath: '/srv/tls/fullchain.pem', keyPath: '/srv/tls/privkey.pem' } };
    const diff = diffPlans(...planFixture(own, {}));
    expect(diff.stackWarnings).toEqual([
      "**certificates**: certificates come from your files (/srv/tls/fullchain.pem) and will come from the stack's ACME client (https://acme-v02.api.letsencrypt.org/directory): the client requests a new certificate when it starts, and the proxy serves a self-signed stand-in until it has one",
    ]);
    expect(renderPlanDiff(diff, 'a', 'b')).toMatch(/## Warnings\n\n- \*\*certificates\*\*: certificates come from your files/);
  });

  it("warns when the certificate's names or the CA change", () => {
    const diff = diffPlans(...planFixture({}, { adminDomain: 'admin.example.com', tls: { acme: { directory: 'staging' } } }));
    expect(diff.stackWarnings).toEqual([
      '**certificates**: the ACME directory changes from https://acme-v02.api.letsencrypt.org/directory to https://acme-staging-v02.api.letsencrypt.org/directory: a new account and a new certificate are requested there',
      "**certificates**: the certificate's names change from example.com, www.example.com to admin.example.com, example.com, www.example.com: a new certificate is requested (Let's Encrypt issues at most 5 for the same names a week); every new name must point at the host first",
    ]);
    expect(diff.dangerous).toBe(false);
  });

  it('tells the reviewer to back up first when data is at risk, with the command that does it', () => {
    const diff = diffPlans(...planFixture({}, {}, (stack) => { stack.mysql.image.name = 'mysql:9.4.0'; }));
    expect(renderPlanDiff(diff, 'a', 'b')).toMatch(/## DANGER: data\n\n- .*\n\nBack up first: `npm run backup-now` takes a backup now into \/var\/lib\/ghost-backups; `npm run restore` brings it back\.\n/);
    const unprotected = diffPlans(...planFixture({ backup: false }, { backup: false }, (stack) => { stack.mysql.image.name = 'mysql:9.4.0'; }));
    expect(renderPlanDiff(unprotected, 'a', 'b')).toContain('The stack takes no backups (backup: false): copy the database and content folders yourself before you deploy this.');
  });

  it('warns when backups stop, move to another repository or keep fewer', () => {
    expect(diffPlans(...planFixture({}, { backup: false })).stackWarnings).toEqual([expect.stringMatching(/^\*\*backups\*\*: backups stop \(backup: false\)/)]);
    expect(diffPlans(...planFixture({ backup: false }, {})).stackWarnings).toEqual([expect.stringMatching(/^\*\*backups\*\*: backups start: 24 h apart into \/var\/lib\/ghost-backups; set TF_VAR_restic_password/)]);
    expect(diffPlans(...planFixture({}, { backup: { repository: '/srv/backups', keepDaily: 3, keepMonthly: 12 } })).stackWarnings).toEqual([
      '**backups**: backups go to /srv/backups instead of /var/lib/ghost-backups: the next backup starts a new repository there, and the old backups stay in the old one (npm run restore reads only the new one)',
      '**backups**: fewer backups are kept (daily 7 → 3): the next backup forgets and deletes the older ones for good',
    ]);
    expect(diffPlans(...planFixture({}, { backup: { keepDaily: 30 } })).stackWarnings).toEqual([]);
  });

  it('creates what is new', () => {
    const diff = diffPlans(partialStack('proxy'), partialStack());
    expect(diff.changes.map((c) => [c.type, c.action])).toEqual([['docker_container', 'create'], ['docker_image', 'create'], ['docker_volume', 'create']]);
    expect(diff.changes.every((c) => !c.downtime)).toBe(true);
  });
});
