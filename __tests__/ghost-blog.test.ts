import { GhostBlog, GhostBlogProps } from '../constructs/ghost-blog';
import { GHOST_ENDPOINT, MYSQL_ENDPOINT } from '../core/services';
import { constructFixture } from '../test-support/construct-fixtures';

function props(fixture: ReturnType<typeof constructFixture>, overrides: Partial<GhostBlogProps>): GhostBlogProps {
  const { settings, frontend, backend, secret } = fixture;
  return {
    stackName: 's', container: settings.ghost, siteUrl: settings.siteUrl, timeZone: settings.timeZone, endpoint: GHOST_ENDPOINT, frontend, backend,
    database: { endpoint: MYSQL_ENDPOINT, database: 'ghost', user: 'ghost', password: secret },
    ...overrides,
  };
}

const MAIL = { host: 'smtp.example.net', port: 587, secure: false, user: 'blog' };

describe('GhostBlog', () => {
  it('refuses a literal database password', () => {
    const fixture = constructFixture();
    expect(() => new GhostBlog(fixture.stack, 'ghost', props(fixture, { database: { endpoint: MYSQL_ENDPOINT, database: 'ghost', user: 'ghost', password: 'literal' } })))
      .toThrow(/Invalid setting database password: got "\(a literal secret, not shown\)"/);
  });

  it('refuses a literal SMTP password', () => {
    const fixture = constructFixture();
    expect(() => new GhostBlog(fixture.stack, 'ghost', props(fixture, { mail: MAIL, smtpPassword: 'literal' })))
      .toThrow(/Invalid setting mail password: .*sensitive Terraform variable/);
  });

  it('requires an SMTP password when mail is configured', () => {
    const fixture = constructFixture();
    expect(() => new GhostBlog(fixture.stack, 'ghost', props(fixture, { mail: MAIL })))
      .toThrow(/mail is set, so smtpPassword .* is required/);
  });
});
