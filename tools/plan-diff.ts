import { COMPUTED_ON_CREATE, ChangeEffect, effectOf } from './docker-provider-rules';
import { DISPOSABLE_LABEL, MYSQL_ENV } from '../core/services';
import { backupsOf, canonical, displayValue, isSecretEnvLine, Json, mountsOf, PlanTls, referencesIn, Resource, resourcesOf, serviceOf, tlsOf, wholeReference } from '../core/terraform-json';

/**
 * An offline preview of what `terraform apply` would do between two synthesized stacks,
 * following the kreuzwerker/docker 3.6.2 schema (see docker-provider-rules.ts). It needs no
 * provider and no Docker host. `terraform plan` remains the authority: this preview cannot
 * see drift, the state, or values only the provider computes.
 */

export type Action = 'create' | 'destroy' | 'replace' | 'update' | 'state-only';

export interface AttributeChange {
  readonly attribute: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly effect: ChangeEffect;
  /** Why the value changes although its text does not (a referenced resource is recreated). */
  readonly via?: string;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly action: Action;
  /** The container's or image's name, for people. */
  readonly label: string;
  readonly attributes: readonly AttributeChange[];
  /** Data at risk: a volume or a data mount replaced, moved or destroyed, a database upgraded. */
  readonly dangers: readonly string[];
  /** Needs a person's attention, though no data is lost by applying it. */
  readonly warnings: readonly string[];
  /** The container stops for a while: replaced or destroyed. */
  readonly downtime: boolean;
}

export interface PlanDiff {
  readonly changes: readonly ResourceChange[];
  /** What to do before applying a change that puts data at risk: back up, and how. */
  readonly backupAdvice: string;
  /** The whole stack at risk: its Terraform state moves. */
  readonly stateDangers: readonly string[];
  /** The whole stack changes in a way a person should know of: where certificates come from, for which names. */
  readonly stackWarnings: readonly string[];
  readonly dangerous: boolean;
}

/** What changes about the backups: whether they run, where they go, how many are kept. */
function backupWarnings(base: Json, head: Json): string[] {
  const [before, after] = [backupsOf(base), backupsOf(head)];
  if (!before && !after) return [];
  if (!after) return ['backups stop (backup: false): the repository and its backups stay where they are, but nothing is backed up any more'];
  if (!before) return [`backups start: ${after.intervalSeconds / 3600} h apart into ${after.repository}; set TF_VAR_restic_password and keep it safe, since no backup can be read without it`];
  const warnings: string[] = [];
  if (before.repository !== after.repository) {
    warnings.push(`backups go to ${after.repository} instead of ${before.repository}: the next backup starts a new repository there, and the old backups stay in the old one (npm run restore reads only the new one)`);
  }
  const fewer = (['daily', 'weekly', 'monthly'] as const).filter((period) => after.keep[period] < before.keep[period]);
  if (fewer.length) {
    warnings.push(`fewer backups are kept (${fewer.map((p) => `${p} ${before.keep[p]} → ${after.keep[p]}`).join(', ')}): the next backup forgets and deletes the older ones for good`);
  }
  return warnings;
}

/** What to do before a dangerous change, from the stack as it runs now. */
function backupAdviceFor(base: Json): string {
  const backups = backupsOf(base);
  return backups
    ? `Back up first: \`npm run backup-now\` takes a backup now into ${backups.repository}; \`npm run restore\` brings it back.`
    : 'The stack takes no backups (backup: false): copy the database and content folders yourself before you deploy this.';
}

/** What changes about the certificate: its source, its names, its CA. */
function certificateWarnings(base: Json, head: Json): string[] {
  const [before, after] = [tlsOf(base), tlsOf(head)];
  const describe = (tls: PlanTls) =>
    tls.mode === 'acme' ? `the stack's ACME client (${tls.directory})` : tls.mode === 'files' ? `your files (${tls.certificatePath})` : 'none (TLS off)';
  if (before.mode !== after.mode) {
    return [`certificates come from ${describe(before)} and will come from ${describe(after)}${after.mode === 'acme' ? ': the client requests a new certificate when it starts, and the proxy serves a self-signed stand-in until it has one' : ''}`];
  }
  if (before.mode !== 'acme') return [];
  const warnings: string[] = [];
  if (before.directory !== after.directory) {
    warnings.push(`the ACME directory changes from ${before.directory} to ${after.directory}: a new account and a new certificate are requested there`);
  }
  const [oldNames, newNames] = [[...(before.names ?? [])].sort().join(', '), [...(after.names ?? [])].sort().join(', ')];
  if (oldNames !== newNames) {
    warnings.push(`the certificate's names change from ${oldNames} to ${newNames}: a new certificate is requested (Let's Encrypt issues at most 5 for the same names a week); every new name must point at the host first`);
  }
  return warnings;
}

/** What a volume holds when the stack may lose it (its disposable label); undefined for data. */
function disposableContents(volume: Json | undefined): string | undefined {
  return ((volume?.labels ?? []) as Json[]).find((l) => l.label === DISPOSABLE_LABEL)?.value;
}

/** The writable mounts that hold data: host folders and volumes, but not disposable volumes. */
function dataMounts(container: Json, tf: Json): string[] {
  const disposable = (source: string) => {
    const ref = wholeReference(source);
    return ref?.type === 'docker_volume' && disposableContents(tf.resource?.docker_volume?.[ref.name]) !== undefined;
  };
  return mountsOf(container)
    .filter((m) => !m.readOnly && (m.kind === 'bind' || m.kind === 'volume') && m.source && !disposable(m.source))
    .map((m) => `${m.source} -> ${m.target}`)
    .sort();
}

function attributeChanges(type: string, before: Json, after: Json): AttributeChange[] {
  const changes: AttributeChange[] = [];
  const compare = (prefix: string, a: Json, b: Json) => {
    for (const key of [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort()) {
      if (key === '//' || key === 'depends_on' || key === 'lifecycle' || key === 'provider') continue;
      if (type === 'docker_image' && key === 'build' && !prefix) {
        compare('build.', a?.build ?? {}, b?.build ?? {});
        continue;
      }
      if (canonical(a?.[key]) !== canonical(b?.[key])) {
        const attribute = `${prefix}${key}`;
        changes.push({ attribute, before: a?.[key], after: b?.[key], effect: effectOf(type, attribute) });
      }
    }
  };
  compare('', before, after);
  return changes;
}

function actionOf(changes: readonly AttributeChange[]): Action | undefined {
  if (!changes.length) return undefined;
  if (changes.some((c) => c.effect === 'replace')) return 'replace';
  if (changes.some((c) => c.effect === 'update')) return 'update';
  return 'state-only';
}

/** References to computed attributes of recreated resources, in any value of `body`. */
function referencesTo(body: Json, recreated: ReadonlyMap<string, string>): Map<string, string> {
  const found = new Map<string, string>();
  for (const [attribute, value] of Object.entries<Json>(body)) {
    if (attribute === '//' || attribute === 'depends_on') continue;
    for (const ref of referencesIn(value)) {
      const address = `${ref.type}.${ref.name}`;
      if (recreated.has(address) && (COMPUTED_ON_CREATE[ref.type] ?? ['id']).includes(ref.attribute)) {
        found.set(attribute, `${address}.${ref.attribute} changes because ${address} is ${recreated.get(address)}`);
      }
    }
  }
  return found;
}

/** Phase 1: each address's own attribute changes, and the action they force. */
function directChanges(before: Map<string, Resource>, after: Map<string, Resource>, addresses: readonly string[]) {
  const attributes = new Map<string, AttributeChange[]>();
  const actions = new Map<string, Action>();
  for (const address of addresses) {
    const a = before.get(address);
    const b = after.get(address);
    if (!a) actions.set(address, 'create');
    else if (!b) actions.set(address, 'destroy');
    else {
      const changes = attributeChanges(b.type, a.body, b.body);
      attributes.set(address, changes);
      const action = actionOf(changes);
      if (action) actions.set(address, action);
    }
  }
  return { attributes, actions };
}

/**
 * Phase 2: a recreated resource gets new computed values (an image's ID); whatever refers
 * to them changes too, and is replaced where that attribute forces it. Repeats until
 * nothing moves.
 */
function propagateRecreation(
  before: Map<string, Resource>,
  after: Map<string, Resource>,
  addresses: readonly string[],
  attributes: Map<string, AttributeChange[]>,
  actions: Map<string, Action>,
): void {
  for (let moved = true; moved; ) {
    moved = false;
    const recreated = new Map([...actions].filter(([, action]) => action === 'replace' || action === 'create').map(([address, action]) => [address, action === 'create' ? 'created' : 'replaced']));
    for (const address of addresses) {
      const b = after.get(address);
      if (!b || !before.has(address) || actions.get(address) === 'replace') continue;
      const changes = attributes.get(address) ?? [];
      for (const [attribute, via] of referencesTo(b.body, recreated)) {
        if (changes.some((c) => c.attribute === attribute)) continue;
        changes.push({ attribute, before: before.get(address)!.body[attribute], after: b.body[attribute], effect: effectOf(b.type, attribute), via });
        moved = true;
      }
      attributes.set(address, changes);
      const action = actionOf(changes);
      if (action) actions.set(address, action);
    }
  }
}

/** The image a container runs, by name: followed through a reference to a docker_image. */
function imageNameOf(tf: Json, container: Json): string {
  const ref = wholeReference(container.image ?? '');
  return ref?.type === 'docker_image' ? (tf.resource?.docker_image?.[ref.name]?.name ?? container.image) : container.image;
}

/** An environment variable's value, from a container's NAME=value lines. */
function envValue(container: Json, name: string): string | undefined {
  const line = ((container.env ?? []) as string[]).find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1);
}

/** Phase 3: what the change risks. Dangers put data at risk; warnings need a person's attention. */
function risksOf(type: string, action: Action, base: Json, head: Json, a: Resource | undefined, b: Resource | undefined): { dangers: string[]; warnings: string[] } {
  const body = (b ?? a)!.body;
  const dangers: string[] = [];
  const warnings: string[] = [];
  if (type === 'docker_volume' && (action === 'replace' || action === 'destroy')) {
    const holds = disposableContents(body);
    if (holds === undefined) dangers.push(`volume ${body.name} is ${action === 'replace' ? 'replaced: a new, empty volume takes its place' : 'destroyed with its data'}`);
    else warnings.push(`volume ${body.name} is ${action === 'replace' ? 'replaced by an empty one' : 'destroyed'}: it holds only ${holds}, which the stack makes again`);
  }
  if (type !== 'docker_container') return { dangers, warnings };
  const was = a ? dataMounts(a.body, base) : [];
  const will = b ? dataMounts(b.body, head) : [];
  if (action === 'destroy' && was.length) {
    dangers.push(`container ${body.name} is destroyed with its data mount${was.length > 1 ? 's' : ''} ${was.join(', ')}: the data stays on the host, but nothing serves it`);
  }
  if (!a || !b) return { dangers, warnings };
  for (const mount of was.filter((m) => !will.includes(m))) {
    const target = mount.split(' -> ')[1];
    const moved = will.find((m) => m.endsWith(` -> ${target}`));
    dangers.push(moved ? `data mount ${mount} becomes ${moved}: the container starts on other data` : `data mount ${mount} is removed`);
  }
  if (serviceOf(b.body) === 'mysql') {
    const [oldImage, newImage] = [imageNameOf(base, a.body), imageNameOf(head, b.body)];
    if (oldImage !== newImage) {
      dangers.push(
        `database image ${oldImage} becomes ${newImage}: MySQL converts its data files on the first start of a newer server, one way, and an older server refuses newer files; back up first and keep the backup until the new version has run`,
      );
    }
    for (const [name, what] of [[MYSQL_ENV.database, 'database name'], [MYSQL_ENV.user, 'database user']] as const) {
      const [from, to] = [envValue(a.body, name), envValue(b.body, name)];
      if (from !== to) {
        warnings.push(
          `${what} ${from} becomes ${to}: the MySQL image creates the database and user only on an empty data directory, so the running data keeps ${from} and Ghost would fail to connect; rename it in MySQL first, or move the data yourself`,
        );
      }
    }
  }
  return { dangers, warnings };
}

export function diffPlans(base: Json, head: Json): PlanDiff {
  // A different backend or state path means Terraform starts from an empty state: it
  // creates everything beside what the old state still holds, which nothing then manages.
  const stateMoved = canonical(base.terraform?.backend) !== canonical(head.terraform?.backend);
  const before = stateMoved ? new Map<string, Resource>() : resourcesOf(base);
  const after = resourcesOf(head);
  const addresses = [...new Set([...before.keys(), ...after.keys()])].sort();
  const { attributes, actions } = directChanges(before, after, addresses);
  propagateRecreation(before, after, addresses, attributes, actions);

  const changes: ResourceChange[] = [];
  for (const address of addresses) {
    const action = actions.get(address);
    if (!action) continue;
    const a = before.get(address);
    const b = after.get(address);
    const type = (b ?? a)!.type;
    changes.push({
      address,
      type,
      action,
      label: (b ?? a)!.body.name ?? address,
      attributes: attributes.get(address) ?? [],
      ...risksOf(type, action, base, head, a, b),
      downtime: type === 'docker_container' && (action === 'replace' || action === 'destroy'),
    });
  }
  const stateDanger = stateMoved
    ? [
        `new state: the backend changes from ${displayValue(base.terraform?.backend)} to ${displayValue(head.terraform?.backend)} (a renamed stack, or another state path). Terraform starts from an empty state, so the old stack is orphaned and everything is created beside it: container names, networks and ports collide with the old ones. Move the state (terraform state mv, or rename the file) instead, or destroy the old stack first`,
      ]
    : [];
  return {
    changes,
    backupAdvice: backupAdviceFor(base),
    stateDangers: stateDanger,
    stackWarnings: [...certificateWarnings(base, head).map((w) => `**certificates**: ${w}`), ...backupWarnings(base, head).map((w) => `**backups**: ${w}`)],
    dangerous: stateMoved || changes.some((c) => c.dangers.length > 0),
  };
}

const ACTION_TEXT: Record<Action, string> = {
  create: 'create',
  destroy: 'destroy',
  replace: 'replace',
  update: 'update in place',
  'state-only': 'update in state only',
};

function describeValue(attribute: string, value: unknown): string {
  if (attribute === 'env' && Array.isArray(value)) {
    return value.map((line: string) => (isSecretEnvLine(line) ? `${line.split('=', 1)[0]}=(redacted)` : line)).join(', ');
  }
  return displayValue(value);
}

function why(change: ResourceChange): string {
  if (change.action === 'create' || change.action === 'destroy') return '';
  const forcing = change.attributes.filter((a) => a.effect === change.action || (change.action === 'replace' && a.effect === 'replace'));
  return forcing.map((a) => (a.via ? `\`${a.attribute}\` (${a.via})` : `\`${a.attribute}\``)).join(', ');
}

/** The preview as Markdown for a pull request: dangers first, then downtime, then every change. */
export function renderPlanDiff(diff: PlanDiff, baseLabel: string, headLabel: string): string {
  const lines = [
    `# Plan preview: ${baseLabel} → ${headLabel}`,
    '',
    '> Offline preview from the synthesized stacks and the kreuzwerker/docker 3.6.2 schema: no provider,',
    '> no state, no drift. `cdktf diff` (terraform plan) against the real host remains the authority.',
    '',
  ];
  if (!diff.changes.length && !diff.stateDangers.length && !diff.stackWarnings.length) {
    lines.push('No changes.');
    return `${lines.join('\n')}\n`;
  }
  const dangers = [...diff.stateDangers.map((d) => `- **the whole stack**: ${d}`), ...diff.changes.flatMap((c) => c.dangers.map((d) => `- **${c.address}**: ${d}`))];
  if (dangers.length) {
    lines.push('## DANGER: data', '', ...dangers, '', diff.backupAdvice, '');
  }
  const warnings = [...diff.stackWarnings.map((w) => `- ${w}`), ...diff.changes.flatMap((c) => c.warnings.map((w) => `- **${c.address}**: ${w}`))];
  if (warnings.length) {
    lines.push('## Warnings', '', ...warnings, '');
  }
  const downtime = diff.changes.filter((c) => c.downtime);
  if (downtime.length) {
    lines.push('## Downtime', '', ...downtime.map((c) => `- container **${c.label}** is ${c.action === 'replace' ? `replaced (stopped, removed and started again) because of ${why(c)}` : 'destroyed'}`), '');
  }
  const stateOnly = diff.changes.filter((c) => c.action === 'state-only');
  if (stateOnly.length) {
    lines.push('## Not applied to the running containers', '', ...stateOnly.map((c) => `- **${c.label}**: ${why(c)} change${c.attributes.length > 1 ? '' : 's'} in Terraform's state only; the running container keeps the old value until it is next replaced`), '');
  }
  lines.push('## Changes', '', '| Resource | Action | Because of | Attributes |', '| --- | --- | --- | --- |');
  for (const change of diff.changes) {
    const attributes = change.attributes
      .map((a) => `\`${a.attribute}\`: ${describeValue(a.attribute, a.before)} → ${a.via ? '(known after apply)' : describeValue(a.attribute, a.after)}`)
      .join('<br>');
    lines.push(`| \`${change.address}\` (${change.label}) | ${ACTION_TEXT[change.action]} | ${why(change)} | ${attributes} |`);
  }
  return `${lines.join('\n')}\n`;
}
