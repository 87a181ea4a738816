import { justifiedCapabilities } from './confinement';
import { SERVICE_ROLES, ServiceRole } from './services';
import { holdsTemplateCode } from './terraform-literal';
import { isSecretEnvLine, Json, mountsOf, serviceOf, wholeReference } from './terraform-json';

/**
 * Policies every synthesized blog host must meet. They read the Terraform JSON itself, not
 * the constructs, so an escape-hatch override cannot slip past them, and `npm run review`
 * can report on any synthesized stack with the very same code.
 */
export const POLICY_RULES = {
  'memory-limit': 'every container has a memory limit',
  'swap-limit': 'every container has an explicit swap limit',
  'restart-policy': 'every container has a restart policy other than "no"',
  'log-rotation': 'every container logs to json-file with max-size and max-file',
  'health-check': 'every container has a health check',
  'ports-proxy-only': 'only the proxy publishes ports',
  'not-privileged': 'no container is privileged',
  'no-host-network': "no container uses the host's network",
  'no-docker-socket': 'no container mounts the Docker socket',
  'database-internal-only': 'the database is attached to internal networks only',
  'secret-mounts-read-only': 'key and secret mounts are read-only',
  'no-literal-secrets': 'no secret is given as a literal',
  'read-only-root': 'every container has a read-only root filesystem',
  'tmpfs-sized': 'every tmpfs has a size (its pages count against the memory limit)',
  'capabilities-dropped': 'every container drops all capabilities and adds back only those its role justifies',
  'no-new-privileges': 'no container can gain privileges (setuid binaries, file capabilities)',
  'process-limit': 'every container bounds its processes (ulimit nproc)',
} as const;

export type PolicyRule = keyof typeof POLICY_RULES;

/** A reviewed exception: one rule, one container, and why. */
export interface PolicyWaiver {
  readonly rule: PolicyRule;
  /** Container name, as on the Docker host. */
  readonly container: string;
  /** Why the rule does not apply; shown by `npm run review`. */
  readonly reason: string;
}

export interface PolicyResult {
  readonly rule: PolicyRule;
  /** Terraform address, such as docker_container.proxy. */
  readonly address: string;
  readonly container: string;
  /** Undefined when the rule holds; otherwise what is wrong. */
  readonly violation?: string;
  /** The waiver's reason, when a violation is waived. */
  readonly waived?: string;
}

/** Mount paths that hold keys or secrets. */
const SECRET_PATH = /(privkey|\.key$|\/tls\/|\/ssl\/private|secret|password|credentials)/i;
const DOCKER_SOCKET = /docker\.sock$/;

type Check = (container: Json, tf: Json) => string | undefined;

const CHECKS: Record<PolicyRule, Check> = {
  'memory-limit': (c) => (typeof c.memory === 'number' && c.memory > 0 ? undefined : 'memory is not set'),
  'swap-limit': (c) => (typeof c.memory_swap === 'number' ? undefined : 'memory_swap is not set (Docker would double the memory silently)'),
  'restart-policy': (c) => (c.restart && c.restart !== 'no' ? undefined : `restart is ${JSON.stringify(c.restart ?? 'unset')}`),
  'log-rotation': (c) => {
    if (c.log_driver !== 'json-file') return `log_driver is ${JSON.stringify(c.log_driver ?? 'unset')}`;
    const missing = ['max-size', 'max-file'].filter((k) => !c.log_opts?.[k]);
    return missing.length ? `log_opts lacks ${missing.join(' and ')}` : undefined;
  },
  'health-check': (c) => (c.healthcheck?.test?.length ? undefined : 'no healthcheck'),
  'ports-proxy-only': (c) => (serviceOf(c) === 'proxy' || !(c.ports ?? []).length ? undefined : `publishes ${(c.ports as Json[]).map((p) => p.external ?? p.internal).join(', ')}`),
  'not-privileged': (c) => (c.privileged === true ? 'privileged is true' : undefined),
  'no-host-network': (c) => (c.network_mode === 'host' ? 'network_mode is "host"' : undefined),
  'no-docker-socket': (c) => {
    const socket = mountsOf(c).find((m) => DOCKER_SOCKET.test(m.source) || DOCKER_SOCKET.test(m.target));
    return socket ? `mounts ${socket.source}` : undefined;
  },
  'database-internal-only': (c, tf) => {
    if (serviceOf(c) !== 'mysql') return undefined;
    if (c.network_mode && c.network_mode !== 'bridge') return `network_mode is ${JSON.stringify(c.network_mode)}`;
    const networks: Json[] = c.networks_advanced ?? [];
    if (!networks.length) return "is on Docker's default bridge network";
    const open = networks.filter((n) => {
      const ref = wholeReference(n.name);
      return ref?.type !== 'docker_network' || tf.resource?.docker_network?.[ref.name]?.internal !== true;
    });
    return open.length ? `is attached to ${open.map((n) => n.name).join(', ')}, which is not internal` : undefined;
  },
  'secret-mounts-read-only': (c) => {
    const writable = mountsOf(c).filter((m) => !m.readOnly && (SECRET_PATH.test(m.source) || SECRET_PATH.test(m.target)));
    return writable.length ? `mounts ${writable.map((m) => m.target).join(', ')} read-write` : undefined;
  },
  'no-literal-secrets': (c) => {
    const literal = ((c.env ?? []) as string[])
      .filter((line) => isSecretEnvLine(line) && !holdsTemplateCode(line.slice(line.indexOf('=') + 1)))
      .map((line) => line.split('=', 1)[0]);
    return literal.length ? `sets ${literal.join(', ')} to a literal value` : undefined;
  },
  'read-only-root': (c) => (c.read_only === true ? undefined : `read_only is ${JSON.stringify(c.read_only ?? 'unset')}`),
  'tmpfs-sized': (c) => {
    const unsized = Object.entries<string>(c.tmpfs ?? {}).filter(([, options]) => !/(^|,)size=\d+[kmg]?(,|$)/.test(options)).map(([target]) => target);
    return unsized.length ? `tmpfs ${unsized.join(', ')} has no size` : undefined;
  },
  'capabilities-dropped': (c) => {
    const drop: string[] = c.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) return `capabilities.drop is ${JSON.stringify(drop)}, not ["ALL"]`;
    const role = serviceOf(c);
    const allowed: readonly string[] = role && (SERVICE_ROLES as readonly string[]).includes(role) ? justifiedCapabilities(role as ServiceRole) : [];
    const unjustified = ((c.capabilities?.add ?? []) as string[]).filter((capability) => !allowed.includes(capability.replace(/^CAP_/, '')));
    return unjustified.length ? `adds ${unjustified.join(', ')}, which core/confinement.ts does not justify for the ${role ?? 'unlabelled'} role` : undefined;
  },
  'no-new-privileges': (c) => (((c.security_opts ?? []) as string[]).some((o) => /^no-new-privileges(:true|=true)?$/.test(o)) ? undefined : 'security_opts lacks no-new-privileges'),
  'process-limit': (c) => {
    const nproc = ((c.ulimit ?? []) as Json[]).find((u) => u.name === 'nproc');
    return nproc && nproc.soft > 0 && nproc.hard > 0 ? undefined : 'no ulimit nproc';
  },
};

/** Checks every container of a synthesized stack against every rule. */
export function checkPolicies(tf: Json, waivers: readonly PolicyWaiver[] = []): PolicyResult[] {
  const results: PolicyResult[] = [];
  for (const [name, container] of Object.entries<Json>(tf.resource?.docker_container ?? {})) {
    for (const rule of Object.keys(POLICY_RULES) as PolicyRule[]) {
      const violation = CHECKS[rule](container, tf);
      const waiver = violation ? waivers.find((w) => w.rule === rule && w.container === container.name) : undefined;
      results.push({ rule, address: `docker_container.${name}`, container: container.name, violation, waived: waiver?.reason });
    }
  }
  return results;
}

/**
 * What fails synth: each unwaived violation, and each waiver that names no container of
 * the stack or waives a rule that holds (a stale waiver would hide the next real failure).
 */
export function policyErrors(tf: Json, waivers: readonly PolicyWaiver[]): string[] {
  const results = checkPolicies(tf, waivers);
  const errors = results
    .filter((r) => r.violation && !r.waived)
    .map((r) => `Policy ${r.rule} (${POLICY_RULES[r.rule]}) fails for container "${r.container}" (${r.address}): ${r.violation}. Fix it, or waive it in policyWaivers with a reason.`);
  const containers = new Set(results.map((r) => r.container));
  for (const waiver of waivers) {
    if (!containers.has(waiver.container)) {
      errors.push(`Policy waiver for ${waiver.rule} names container "${waiver.container}", which this stack does not have.`);
    } else if (!results.some((r) => r.rule === waiver.rule && r.container === waiver.container && r.violation)) {
      errors.push(`Policy waiver for ${waiver.rule} on container "${waiver.container}" waives nothing: the rule holds. Remove the waiver.`);
    }
  }
  return errors;
}
