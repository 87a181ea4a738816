import { Testing } from 'cdktf';
import { BlogHostStack, BlogHostStackProps } from '../constructs/blog-host-stack';
import { checkPolicies, POLICY_RULES, PolicyRule } from '../core/policies';
import { CUSTOM_SETTINGS } from '../test-support/synth';

function stack(props: BlogHostStackProps = {}): BlogHostStack {
  return new BlogHostStack(Testing.app(), 'test', props);
}

/** Each rule, broken the way an escape hatch or a careless edit would break it. */
const VIOLATIONS: [PolicyRule, string, (s: BlogHostStack) => void, RegExp][] = [
  ['memory-limit', 'ghost', (s) => s.ghost.service.container.resetMemory(), /memory is not set/],
  ['swap-limit', 'proxy', (s) => s.proxy.service.container.resetMemorySwap(), /memory_swap is not set/],
  ['restart-policy', 'mysql', (s) => { s.mysql.service.container.restart = 'no'; }, /restart is "no"/],
  ['log-rotation', 'proxy', (s) => { s.proxy.service.container.logOpts = { 'max-size': '10m' }; }, /log_opts lacks max-file/],
  ['log-rotation', 'ghost', (s) => { s.ghost.service.container.logDriver = 'syslog'; }, /log_driver is "syslog"/],
  ['health-check', 'ghost', (s) => s.ghost.service.container.resetHealthcheck(), /no healthcheck/],
  ['ports-proxy-only', 'ghost', (s) => s.ghost.service.container.putPorts([{ internal: 2368, external: 2368 }]), /publishes 2368/],
  ['not-privileged', 'proxy', (s) => { s.proxy.service.container.privileged = true; }, /privileged is true/],
  ['no-host-network', 'proxy', (s) => { s.proxy.service.container.networkMode = 'host'; }, /network_mode is "host"/],
  ['no-docker-socket', 'ghost', (s) => s.ghost.service.container.putMounts([{ type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: true }]), /mounts \/var\/run\/docker\.sock/],
  ['database-internal-only', 'mysql', (s) => s.mysql.service.container.putNetworksAdvanced([{ name: s.frontend.name }, { name: s.backend.name, aliases: ['mysql'] }]), /attached to \$\{docker_network\.frontend-network\.name\}, which is not internal/],
  ['secret-mounts-read-only', 'proxy', (s) => s.proxy.service.container.putMounts([{ type: 'bind', source: '/etc/letsencrypt/live/www.example.com/privkey.pem', target: '/etc/nginx/tls/privkey.pem', readOnly: false }]), /mounts \/etc\/nginx\/tls\/privkey\.pem read-write/],
  ['no-literal-secrets', 'ghost', (s) => { s.ghost.service.container.env = ['url=https://www.example.com', 'mail__options__auth__pass=hunter2']; }, /sets mail__options__auth__pass to a literal value/],
  ['read-only-root', 'ghost', (s) => { s.ghost.service.container.readOnly = false; }, /read_only is false/],
  ['read-only-root', 'backup', (s) => s.backup!.service.container.resetReadOnly(), /read_only is "unset"/],
  ['tmpfs-sized', 'mysql', (s) => { s.mysql.service.container.tmpfs = { '/tmp': 'rw,noexec' }; }, /tmpfs \/tmp has no size/],
  ['capabilities-dropped', 'proxy', (s) => s.proxy.service.container.putCapabilities({ drop: ['NET_RAW'], add: ['CHOWN'] }), /capabilities\.drop is \["NET_RAW"\], not \["ALL"\]/],
  ['capabilities-dropped', 'backup', (s) => s.backup!.service.container.putCapabilities({ drop: ['ALL'], add: ['DAC_READ_SEARCH', 'SYS_ADMIN'] }), /adds SYS_ADMIN, which core\/confinement\.ts does not justify for the backup role/],
  ['capabilities-dropped', 'ghost', (s) => s.ghost.service.container.putCapabilities({ drop: ['ALL'], add: ['CHOWN', 'NET_BIND_SERVICE'] }), /adds NET_BIND_SERVICE, which .* for the ghost role/],
  ['no-new-privileges', 'proxy', (s) => { s.proxy.service.container.securityOpts = ['apparmor=docker-default']; }, /security_opts lacks no-new-privileges/],
  ['process-limit', 'mysql', (s) => s.mysql.service.container.resetUlimit(), /no ulimit nproc/],
];

describe('policies', () => {
  it.each([['default', {}], ['fully customised', CUSTOM_SETTINGS]])('pass for the %s stack', (_name, props) => {
    expect(() => Testing.synth(stack(props), true)).not.toThrow();
    const json = JSON.parse(Testing.synth(stack(props)));
    const results = checkPolicies(json);
    expect(results).toHaveLength(Object.keys(json.resource.docker_container).length * Object.keys(POLICY_RULES).length);
    expect(results.filter((r) => r.violation)).toEqual([]);
  });

  it('cover every rule in these tests', () => {
    expect(new Set(VIOLATIONS.map(([rule]) => rule))).toEqual(new Set(Object.keys(POLICY_RULES)));
  });

  it.each(VIOLATIONS)('fail synth for %s on %s', (rule, container, breakIt, detail) => {
    const s = stack();
    breakIt(s);
    const attempt = () => Testing.synth(s, true);
    expect(attempt).toThrow(new RegExp(`Policy ${rule} \\(.+\\) fails for container "${container}" \\(docker_container\\.${container}\\)`));
    expect(attempt).toThrow(detail);
  });

  it('let a reviewed waiver excuse one rule on one container, and put it in the plan', () => {
    const s = stack({ policyWaivers: [{ rule: 'ports-proxy-only', container: 'ghost', reason: 'Ghost admin reachable on a LAN port during migration' }] });
    s.ghost.service.container.putPorts([{ internal: 2368, external: 2368, ip: '192.0.2.10' }]);
    const json = JSON.parse(Testing.synth(s, true));
    expect(json.locals.policy_waivers).toEqual([{ rule: 'ports-proxy-only', container: 'ghost', reason: 'Ghost admin reachable on a LAN port during migration' }]);
    expect(checkPolicies(json, json.locals.policy_waivers).filter((r) => r.violation)).toEqual([
      expect.objectContaining({ rule: 'ports-proxy-only', container: 'ghost', violation: 'publishes 2368', waived: 'Ghost admin reachable on a LAN port during migration' }),
    ]);
  });

  it('does not let a waiver for one container excuse another', () => {
    const s = stack({ policyWaivers: [{ rule: 'not-privileged', container: 'ghost', reason: 'testing a waiver on the wrong container' }] });
    s.proxy.service.container.privileged = true;
    expect(() => Testing.synth(s, true)).toThrow(/Policy not-privileged .* fails for container "proxy"/);
  });

  it('refuses a waiver that waives nothing, or names no container of the stack', () => {
    expect(() => Testing.synth(stack({ policyWaivers: [{ rule: 'not-privileged', container: 'proxy', reason: 'left over from an old change' }] }), true))
      .toThrow(/waiver for not-privileged on container "proxy" waives nothing: the rule holds/);
    expect(() => Testing.synth(stack({ policyWaivers: [{ rule: 'not-privileged', container: 'nginx', reason: 'a typo in the container name' }] }), true))
      .toThrow(/names container "nginx", which this stack does not have/);
  });

  it('refuses a waiver without a known rule or a reason', () => {
    expect(() => stack({ policyWaivers: [{ rule: 'no-such-rule' as PolicyRule, container: 'ghost', reason: 'long enough reason' }] }))
      .toThrow(/policyWaivers\[0\]\.rule: got "no-such-rule"; expected one of memory-limit/);
    expect(() => stack({ policyWaivers: [{ rule: 'not-privileged', container: 'ghost', reason: 'ok' }] }))
      .toThrow(/policyWaivers\[0\]\.reason: got "ok"; expected a reason a reviewer can judge/);
  });
});
