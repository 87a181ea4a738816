import { Testing } from 'cdktf';
import { MysqlDatabase } from '../constructs/mysql-database';
import { MYSQL_ENDPOINT } from '../core/services';
import { constructFixture } from '../test-support/construct-fixtures';

describe('MysqlDatabase', () => {
  it('refuses a literal root password', () => {
    const { stack, settings, backend, secret } = constructFixture();
    expect(() => new MysqlDatabase(stack, 'mysql', { stackName: 's', container: settings.mysql, endpoint: MYSQL_ENDPOINT, backend, rootPassword: 'literal-root', userPassword: secret }))
      .toThrow(/Invalid setting MySQL root password: got "\(a literal secret, not shown\)"; secrets may only be given as a sensitive Terraform variable/);
  });

  it('refuses a literal user password', () => {
    const { stack, settings, backend, secret } = constructFixture();
    expect(() => new MysqlDatabase(stack, 'mysql', { stackName: 's', container: settings.mysql, endpoint: MYSQL_ENDPOINT, backend, rootPassword: secret, userPassword: 'literal-user' }))
      .toThrow(/Invalid setting MySQL user password: .*sensitive Terraform variable/);
  });

  it('exposes where Ghost connects', () => {
    const { stack, settings, backend, secret } = constructFixture({ mysql: { database: 'db1', user: 'u1' } });
    const mysql = new MysqlDatabase(stack, 'mysql', { stackName: 's', container: settings.mysql, endpoint: MYSQL_ENDPOINT, backend, rootPassword: secret, userPassword: secret });
    expect([mysql.endpoint, mysql.database, mysql.user, mysql.containerName]).toEqual([MYSQL_ENDPOINT, 'db1', 'u1', 'mysql']);
    expect(Testing.synth(stack)).toContain('"MYSQL_ROOT_PASSWORD=${var.secret}"');
  });
});
