import { GhostBlog } from '../constructs/ghost-blog';
import { constructFixture } from '../test-support/construct-fixtures';

describe('GhostBlog', () => {
  it('refuses a literal database password', () => {
    const { stack, settings, frontend, backend, secret } = constructFixture();
    expect(() => new GhostBlog(stack, 'ghost', {
      settings, stackName: 's', frontend, backend, smtpPassword: secret,
      database: { host: 'mysql', database: 'ghost', user: 'ghost', password: 'literal' },
    })).toThrow(/Invalid setting database password: got "\(a literal secret, not shown\)"/);
  });

  it('refuses a literal SMTP password', () => {
    const { stack, settings, frontend, backend, secret } = constructFixture();
    expect(() => new GhostBlog(stack, 'ghost', {
      settings, stackName: 's', frontend, backend, smtpPassword: 'literal',
      database: { host: 'mysql', database: 'ghost', user: 'ghost', password: secret },
    })).toThrow(/Invalid setting mail password: .*sensitive Terraform variable/);
  });

  it('requires an SMTP password when mail is configured', () => {
    const { stack, settings, frontend, backend, secret } = constructFixture();
    expect(() => new GhostBlog(stack, 'ghost', {
      settings, stackName: 's', frontend, backend,
      database: { host: 'mysql', database: 'ghost', user: 'ghost', password: secret },
    })).toThrow(/settings\.mail is set, so smtpPassword .* is required/);
  });
});
