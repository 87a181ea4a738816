import { COMPUTED_ON_CREATE, ChangeEffect, effectOf } from './docker-provider-rules';
import { canonical, displayValue, isSecretEnvLine, Json, mountsOf, referencesIn, resourcesOf } from '../core/terraform-json';

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
  /** Data at risk: a volume or a data mount replaced, moved or destroyed. */
  readonly dangers: readonly string[];
  /** The container stops for a while: replaced or destroyed. */
  readonly downtime: boolean;
}

export interface PlanDiff {
  readonly changes: readonly ResourceChange[];
  readonly dangerous: boolean;
}

/** Read-write mounts of host data or volumes, as "source -> target". */
function dataMounts(container: Json): string[] {
  return mountsOf(container)
    .filter((m) => !m.readOnly && (m.kind === 'bind' || m.kind === 'volume') && m.source)
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

export function diffPlans(base: Json, head: Json): PlanDiff {
  const before = resourcesOf(base);
  const after = resourcesOf(head);
  const addresses = [...new Set([...before.keys(), ...after.keys()])].sort();
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

  // A recreated resource gets new computed values (an image's ID); whatever refers to them
  // changes too, and is replaced where that attribute forces it. Repeat until nothing moves.
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

  const changes: ResourceChange[] = [];
  for (const address of addresses) {
    const action = actions.get(address);
    if (!action) continue;
    const a = before.get(address);
    const b = after.get(address);
    const type = (b ?? a)!.type;
    const body = (b ?? a)!.body;
    const dangers: string[] = [];
    if (type === 'docker_volume' && (action === 'replace' || action === 'destroy')) {
      dangers.push(`volume ${body.name} is ${action === 'replace' ? 'replaced: a new, empty volume takes its place' : 'destroyed with its data'}`);
    }
    if (type === 'docker_container') {
      const was = a ? dataMounts(a.body) : [];
      const will = b ? dataMounts(b.body) : [];
      if (action === 'destroy' && was.length) {
        dangers.push(`container ${body.name} is destroyed with its data mount${was.length > 1 ? 's' : ''} ${was.join(', ')}: the data stays on the host, but nothing serves it`);
      }
      if (a && b) {
        for (const mount of was.filter((m) => !will.includes(m))) {
          const target = mount.split(' -> ')[1];
          const moved = will.find((m) => m.endsWith(` -> ${target}`));
          dangers.push(moved ? `data mount ${mount} becomes ${moved}: the container starts on other data` : `data mount ${mount} is removed`);
        }
      }
    }
    changes.push({
      address,
      type,
      action,
      label: body.name ?? address,
      attributes: attributes.get(address) ?? [],
      dangers,
      downtime: type === 'docker_container' && (action === 'replace' || action === 'destroy'),
    });
  }
  return { changes, dangerous: changes.some((c) => c.dangers.length > 0) };
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
  if (!diff.changes.length) {
    lines.push('No changes.');
    return `${lines.join('\n')}\n`;
  }
  const dangers = diff.changes.flatMap((c) => c.dangers.map((d) => `- **${c.address}**: ${d}`));
  if (dangers.length) {
    lines.push('## DANGER: data', '', ...dangers, '');
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
