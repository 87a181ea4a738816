import { Testing } from 'cdktf';
import { BlogHostStack } from '../constructs/blog-host-stack';
import { renderReview } from '../tools/review';
import { synthBlogHost } from '../test-support/synth';

describe('renderReview', () => {
  it('summarises the default stack as reviewed', () => {
    expect(renderReview(synthBlogHost().json, 'ghost-blog')).toMatchSnapshot();
  });

  it('says where certificates come from, in each mode', () => {
    expect(renderReview(synthBlogHost({ tls: { acme: { directory: 'staging' } } }).json, 't')).toContain(
      "Certificates: issued and renewed by the stack's ACME client from `https://acme-staging-v02.api.letsencrypt.org/directory` (Let's Encrypt's staging CA: browsers will not trust it) for `www.example.com`, `example.com`, contact `webmaster@example.com`",
    );
    expect(renderReview(synthBlogHost({ tls: { certificatePath: '/srv/c.pem', keyPath: '/srv/k.pem' } }).json, 't')).toContain(
      'Certificates: your own, from `/srv/c.pem` and `/srv/k.pem` on the host (read-only; a renewed pair is picked up without a restart)',
    );
    expect(renderReview(synthBlogHost({ siteUrl: 'http://www.example.com', tls: { enabled: false } }).json, 't')).toContain('Certificates: none: TLS is off');
  });

  it('says when and where the backups go, and how many are kept', () => {
    expect(renderReview(synthBlogHost().json, 't')).toContain(
      'Backups: daily from 03:00 UTC, database and content, encrypted with restic into `/var/lib/ghost-backups`; keeps 7 daily, 4 weekly, 6 monthly',
    );
    expect(renderReview(synthBlogHost({ backup: { schedule: 'every 6h', at: '00:15', keepWeekly: 0, repository: 's3:https://s3.example.net/blog' } }).json, 't')).toContain(
      'Backups: every 6 h from 00:15 UTC, database and content, encrypted with restic into `s3:https://s3.example.net/blog`; keeps 7 daily, 0 weekly, 6 monthly',
    );
    expect(renderReview(synthBlogHost({ backup: false }).json, 't')).toContain('Backups: **none**: the stack backs nothing up (backup: false)');
  });

  it('shows secrets as the variables they come from', () => {
    const text = renderReview(synthBlogHost().json, 'ghost-blog');
    expect(text).toContain('MYSQL_ROOT_PASSWORD=(sensitive: var.mysql_root_password)');
    expect(text).not.toContain('${var.');
  });

  it('redacts a literal secret and reports the policy failure', () => {
    const stack = new BlogHostStack(Testing.app(), 'test', {});
    stack.ghost.service.container.env = ['database__connection__password=hunter2-sentinel'];
    const text = renderReview(JSON.parse(Testing.synth(stack)), 'test');
    expect(text).toContain('database__connection__password=(redacted)');
    expect(text).not.toContain('hunter2-sentinel');
    expect(text).toMatch(/\| no-literal-secrets: no secret is given as a literal \| pass \| \*\*FAIL\*\*: sets database__connection__password to a literal value \| pass \|/);
    expect(text).toContain('**1 policy failure(s).**');
  });

  it('lists waivers with their reasons', () => {
    const stack = new BlogHostStack(Testing.app(), 'test', { policyWaivers: [{ rule: 'ports-proxy-only', container: 'ghost', reason: 'direct access while migrating' }] });
    stack.ghost.service.container.putPorts([{ internal: 2368, external: 2368 }]);
    const text = renderReview(JSON.parse(Testing.synth(stack)), 'test');
    expect(text).toMatch(/\| ports-proxy-only: only the proxy publishes ports \| pass \| waived \| pass \|/);
    expect(text).toContain('- Waived: ports-proxy-only for ghost, because "direct access while migrating"');
  });
});
