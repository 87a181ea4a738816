import { checkPolicies, POLICY_RULES, PolicyRule, PolicyWaiver } from '../core/policies';
import { SERVICE_ROLES } from '../core/services';
import { terraformLiteralValue } from '../core/terraform-literal';
import { ACME_DIRECTORIES } from '../core/certificates';
import { backupsOf, isSecretEnvLine, Json, mountsOf, serviceOf, tlsOf, wholeReference } from '../core/terraform-json';

/**
 * A Markdown summary of one synthesized stack that a reviewer can read in a minute: what
 * each container runs, publishes, joins, may use and mounts, what each image is built from,
 * and how the policies fare. Secret values never appear: references show as the variable
 * they name, literals as "(redacted)".
 */

/** `${docker_network.frontend-network.name}` → the referenced resource's attribute value, if literal. */
function dereference(tf: Json, value: string): string {
  const ref = wholeReference(value);
  const target = ref && tf.resource?.[ref.type]?.[ref.name];
  if (!target) return value;
  if (ref.type === 'docker_image' && ref.attribute === 'image_id') return target.name;
  return typeof target[ref.attribute] === 'string' ? target[ref.attribute] : value;
}

function envValue(line: string): string {
  const name = line.split('=', 1)[0];
  const value = line.slice(name.length + 1);
  if (!isSecretEnvLine(line)) return line;
  const variable = /^\$\{var\.([A-Za-z0-9_]+)\}$/.exec(value)?.[1];
  return variable ? `${name}=(sensitive: var.${variable})` : `${name}=(redacted)`;
}

/** A table cell: pipes escaped, and angle brackets too (a sender such as "Blog <b@x>" is no HTML), but for our own line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/<(?!br>)/g, '&lt;').replace(/(?<!<br)>/g, '&gt;').replace(/\n/g, '<br>');
}

/** Traffic order, as the services are declared; anything else comes last. */
function serviceRank(container: Json): number {
  const rank = (SERVICE_ROLES as readonly string[]).indexOf(serviceOf(container) ?? '');
  return rank === -1 ? SERVICE_ROLES.length : rank;
}

function imageOf(tf: Json, container: Json): string {
  const image = dereference(tf, container.image);
  const ref = wholeReference(container.image);
  const built = ref?.type === 'docker_image' ? tf.resource?.docker_image?.[ref.name] : Object.values<Json>(tf.resource?.docker_image ?? {}).find((i) => i.name === image);
  const hash = built?.triggers?.context_sha256;
  return hash ? `\`${image}\` (built, context ${hash.slice(0, 12)})` : `\`${image}\``;
}

/** Where the certificate comes from, in one line. */
function certificates(tf: Json): string {
  const tls = tlsOf(tf);
  switch (tls.mode) {
    case 'acme':
      return `issued and renewed by the stack's ACME client from \`${tls.directory}\`${tls.directory === ACME_DIRECTORIES.staging ? " (Let's Encrypt's staging CA: browsers will not trust it)" : ''} for ${(tls.names ?? []).map((n) => `\`${n}\``).join(', ')}, contact \`${tls.email}\``;
    case 'files':
      return `your own, from \`${tls.certificatePath}\` and \`${tls.keyPath}\` on the host (read-only; a renewed pair is picked up without a restart)`;
    default:
      return 'none: TLS is off, the proxy serves plain HTTP (behind another TLS terminator)';
  }
}

/** When and where the backups go, in one line. */
function backups(tf: Json): string {
  const plan = backupsOf(tf);
  if (!plan) return '**none**: the stack backs nothing up (backup: false)';
  const every = plan.intervalSeconds % 86400 === 0 ? `${plan.intervalSeconds / 86400 === 1 ? 'daily' : `every ${plan.intervalSeconds / 86400} days`}` : `every ${plan.intervalSeconds / 3600} h`;
  return `${every} from ${plan.at} UTC, database and content, encrypted with restic into \`${plan.repository}\`; keeps ${plan.keep.daily} daily, ${plan.keep.weekly} weekly, ${plan.keep.monthly} monthly`;
}

export function renderReview(tf: Json, stackName: string): string {
  const containers = Object.entries<Json>(tf.resource?.docker_container ?? {}).sort(([, a], [, b]) => serviceRank(a) - serviceRank(b));
  // A waiver's reason is free text, escaped in the plan; shown here as Terraform reads it.
  const waivers: PolicyWaiver[] = (tf.locals?.policy_waivers ?? []).map((w: PolicyWaiver) => ({ ...w, reason: terraformLiteralValue(w.reason) ?? w.reason }));
  const names = containers.map(([, c]) => c.name as string);
  const row = (title: string, value: (c: Json) => string) => `| ${title} | ${containers.map(([, c]) => cell(value(c))).join(' | ')} |`;

  const lines = [
    `# Review of stack \`${stackName}\``,
    '',
    `Docker host: \`${(tf.provider?.docker ?? [])[0]?.host ?? '(provider default)'}\``,
    '',
    `Certificates: ${certificates(tf)}`,
    '',
    `Backups: ${backups(tf)}`,
    '',
    '## Containers',
    '',
    `| | ${names.map((n) => `**${n}**`).join(' | ')} |`,
    `| --- | ${names.map(() => '---').join(' | ')} |`,
    row('Image', (c) => imageOf(tf, c)),
    row('Published ports', (c) => (c.ports ?? []).map((p: Json) => `${p.ip ? `${p.ip}:` : ''}${p.external ?? '(random)'}→${p.internal}/${p.protocol ?? 'tcp'}`).join(', ') || 'none'),
    row('Networks (aliases)', (c) => (c.networks_advanced ?? []).map((n: Json) => {
      const network = dereference(tf, n.name);
      const internal = Object.values<Json>(tf.resource?.docker_network ?? {}).find((r) => r.name === network)?.internal === true;
      return `${network}${internal ? ' (internal)' : ''}${n.aliases?.length ? ` as ${n.aliases.join(', ')}` : ''}`;
    }).join('<br>') || (c.network_mode ?? 'default bridge')),
    row('Memory / memory+swap', (c) => `${c.memory ?? 'unlimited'} MiB / ${c.memory_swap === -1 ? 'unlimited' : c.memory_swap !== undefined ? `${c.memory_swap} MiB` : 'unset'}`),
    row('Restart', (c) => c.restart ?? 'unset'),
    row('Logs', (c) => `${c.log_driver ?? 'daemon default'}${c.log_opts ? `, ${Object.entries(c.log_opts).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`),
    row('Mounts', (c) => mountsOf(c).map((m) => `${m.source || m.kind} → ${m.target} (${m.readOnly ? 'read-only' : 'read-write'})`).join('<br>') || 'none'),
    row('Root filesystem', (c) => {
      const tmpfs = Object.entries<string>(c.tmpfs ?? {}).map(([target, options]) => `${target} ${/size=(\w+)/.exec(options)?.[1] ?? '(unsized)'}`);
      return `${c.read_only === true ? 'read-only' : '**writable**'}${tmpfs.length ? `; tmpfs ${tmpfs.join(', ')}` : ''}`;
    }),
    row('Capabilities', (c) => {
      const drop: string[] = c.capabilities?.drop ?? [];
      const add: string[] = c.capabilities?.add ?? [];
      return `${drop.includes('ALL') ? 'all dropped' : drop.length ? `drops ${drop.join(', ')}` : "**Docker's defaults**"}${add.length ? `; adds ${add.join(', ')}` : ''}`;
    }),
    row('Processes', (c) => {
      const nproc = ((c.ulimit ?? []) as Json[]).find((u) => u.name === 'nproc');
      const noNewPrivileges = ((c.security_opts ?? []) as string[]).some((o) => o.startsWith('no-new-privileges'));
      return [c.init === true ? 'init' : 'no init', nproc ? `nproc ${nproc.hard}` : '**no nproc limit**', noNewPrivileges ? 'no-new-privileges' : '**may gain privileges**'].join(', ');
    }),
    row('Health check', (c) => (c.healthcheck?.test ? `\`${c.healthcheck.test.filter((t: string) => t !== 'CMD').join(' ')}\` every ${c.healthcheck.interval ?? '30s'}, ${c.healthcheck.retries ?? 3} retries` : 'none')),
    row('Environment', (c) => (c.env ?? []).map(envValue).join('<br>') || 'none'),
    '',
    '## Images',
    '',
    '| Image | Source | Rebuilt when |',
    '| --- | --- | --- |',
    ...Object.values<Json>(tf.resource?.docker_image ?? {}).map((image) => {
      const build = image.build;
      const source = build
        ? `built from \`${build.context}\`${build.build_args ? ` with ${Object.entries(build.build_args).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`
        : 'pulled from the registry';
      const rebuilt = image.triggers?.context_sha256 ? `context sha256 \`${image.triggers.context_sha256.slice(0, 12)}…\` changes` : 'the name (tag) changes';
      return `| \`${cell(image.name)}\` | ${cell(source)} | ${rebuilt}${image.keep_locally ? '; kept on destroy' : ''} |`;
    }),
    '',
    '## Policies',
    '',
  ];

  const results = checkPolicies(tf, waivers);
  const failed = results.filter((r) => r.violation && !r.waived);
  const waived = results.filter((r) => r.waived);
  lines.push(`| Rule | ${names.join(' | ')} |`, `| --- | ${names.map(() => '---').join(' | ')} |`);
  for (const rule of Object.keys(POLICY_RULES) as PolicyRule[]) {
    const verdicts = names.map((name) => {
      const result = results.find((r) => r.rule === rule && r.container === name);
      if (!result?.violation) return 'pass';
      return result.waived ? 'waived' : `**FAIL**: ${cell(result.violation)}`;
    });
    lines.push(`| ${rule}: ${POLICY_RULES[rule]} | ${verdicts.join(' | ')} |`);
  }
  lines.push('');
  lines.push(failed.length ? `**${failed.length} policy failure(s).**` : 'All policies pass.');
  for (const w of waived) lines.push(`- Waived: ${w.rule} for ${w.container}, because "${w.waived}"`);
  return `${lines.join('\n')}\n`;
}
