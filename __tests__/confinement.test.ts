import { Container } from '@cdktf/provider-docker/lib/container';
import { confinementOf, ghostTmpMb, justifiedCapabilities } from '../core/confinement';
import { SERVICE_ROLES } from '../core/services';
import { resolveBlogSettings } from '../core/settings';
import { resourceNamed, synthBlogHost } from '../test-support/synth';

describe('confinement', () => {
  it("sizes Ghost's /tmp to the largest upload the proxy lets through, with room to spare", () => {
    expect(ghostTmpMb('50m', 512)).toBe(82);
    expect(ghostTmpMb('512k', 512)).toBe(33);
    expect(ghostTmpMb('1g', 2048)).toBe(1056);
    // Unlimited uploads are bounded by Ghost's memory, which the tmpfs counts against.
    expect(ghostTmpMb('unlimited', 768)).toBe(768);
  });

  it('needs the size of Ghost\'s /tmp, and gives the other roles theirs', () => {
    expect(() => confinementOf('ghost')).toThrow(/needs the size of Ghost's \/tmp/);
    expect(confinementOf('ghost', { ghostTmpMb: 100 }).tmpfsMb).toEqual({ '/tmp': 100 });
    expect(confinementOf('mysql').tmpfsMb).toEqual({ '/var/run/mysqld': 1, '/tmp': 64 });
  });

  it('justifies every capability it gives back, and gives none to the ACME client', () => {
    for (const role of SERVICE_ROLES) {
      for (const [capability, why] of Object.entries(confinementOf(role, { ghostTmpMb: 1 }).capabilities)) {
        expect({ role, capability, why: why.length > 20 }).toEqual({ role, capability, why: true });
      }
    }
    expect(justifiedCapabilities('acme')).toEqual([]);
    expect(justifiedCapabilities('proxy')).toEqual(['CHOWN', 'SETUID', 'SETGID', 'NET_BIND_SERVICE']);
  });

  it('refuses an upload size that Ghost\'s memory cannot hold while it passes through /tmp', () => {
    expect(() => resolveBlogSettings({ proxy: { clientMaxBodySize: '600m' } })).toThrow(
      /proxy\.clientMaxBodySize: got "600m"; an upload passes through Ghost's \/tmp, a tmpfs that counts against ghost\.memoryMb \(512\): raise ghost\.memoryMb to at least 632 or allow smaller uploads/,
    );
    expect(resolveBlogSettings({ proxy: { clientMaxBodySize: '600m' }, ghost: { memoryMb: 1024 } }).ghost.tmpMb).toBe(632);
  });

  it('shuts every container in: read-only root, sized tmpfs, all capabilities dropped, no new privileges, a process bound', () => {
    const { text, json } = synthBlogHost();
    for (const name of ['proxy', 'ghost', 'mysql', 'certbot', 'backup']) {
      expect(text).toHaveResourceWithProperties(Container, { name, read_only: true, security_opts: ['no-new-privileges:true'], ulimit: [expect.objectContaining({ name: 'nproc' })] });
      expect(resourceNamed(json, 'docker_container', name).capabilities.drop).toEqual(['ALL']);
    }
    expect(text).toHaveResourceWithProperties(Container, { name: 'proxy', init: true, tmpfs: { '/run': 'rw,noexec,nosuid,nodev,size=16m', '/tmp': 'rw,noexec,nosuid,nodev,size=8m' } });
    expect(text).toHaveResourceWithProperties(Container, { name: 'ghost', init: true, tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=82m' } });
    // mysqld is PID 1 by the image's design.
    expect(text).toHaveResourceWithProperties(Container, { name: 'mysql', init: false });
    expect(resourceNamed(json, 'docker_container', 'certbot').capabilities.add).toBeUndefined();
  });

  it("follows the upload size and Ghost's memory in Ghost's /tmp", () => {
    const { text } = synthBlogHost({ proxy: { clientMaxBodySize: '200m' } });
    expect(text).toHaveResourceWithProperties(Container, { name: 'ghost', tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=232m' } });
  });
});
