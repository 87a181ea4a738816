/**
 * What a changed attribute does to a resource of the kreuzwerker/docker provider, version
 * 3.6.2 (the one @cdktf/provider-docker 12.0.3 pins).
 *
 * Source: the provider's schema at tag v3.6.2, read attribute by attribute:
 * - internal/provider/resource_docker_container.go: `ForceNew: true` marks attributes whose
 *   change destroys and recreates the container;
 * - internal/provider/resource_docker_container_funcs.go, resourceDockerContainerUpdate: the
 *   only attributes applied to a running container are restart, max_retry_count,
 *   cpu_shares, memory, cpu_set and memory_swap. Any other attribute without ForceNew
 *   (healthcheck, destroy_grace_seconds, wait, ...) changes Terraform's state only: the
 *   running container keeps the old value until something replaces it;
 * - internal/provider/resource_docker_image.go: name, triggers, pull_triggers, platform and
 *   most build fields force a new image; keep_locally and force_remove do not;
 * - internal/provider/resource_docker_network.go and resource_docker_volume.go: every
 *   configurable attribute forces a new network or volume.
 * The provider's documentation says the same in its "forces new resource" notes.
 */

export type ChangeEffect =
  /** The resource is destroyed and created again. */
  | 'replace'
  /** Applied to the running object in place. */
  | 'update'
  /** Recorded in Terraform's state; the running container does not change. */
  | 'state-only';

const CONTAINER_APPLIED_IN_PLACE = new Set(['restart', 'max_retry_count', 'cpu_shares', 'memory', 'cpu_set', 'memory_swap']);

const CONTAINER_FORCE_NEW = new Set([
  'name', 'read_only', 'image', 'hostname', 'domainname', 'command', 'entrypoint', 'user', 'dns', 'dns_opts',
  'dns_search', 'publish_all_ports', 'working_dir', 'capabilities', 'security_opts', 'runtime', 'stop_signal',
  'stop_timeout', 'mounts', 'volumes', 'ports', 'host', 'ulimit', 'env', 'privileged', 'devices', 'labels',
  'shm_size', 'log_driver', 'log_opts', 'network_mode', 'networks_advanced', 'pid_mode', 'userns_mode', 'upload',
  'sysctls', 'ipc_mode', 'group_add', 'tty', 'stdin_open', 'storage_opts', 'gpus', 'cpus', 'cgroupns_mode',
  'cgroup_parent',
]);

const IMAGE_FORCE_NEW = new Set(['name', 'triggers', 'pull_triggers', 'platform']);
const IMAGE_IN_PLACE = new Set(['keep_locally', 'force_remove']);
/** build fields without ForceNew in v3.6.2; every other build field forces a new image. */
const IMAGE_BUILD_NOT_FORCE_NEW = new Set(['tag', 'remove', 'secrets', 'label', 'ulimit', 'auth_config']);

/** Computed attributes whose value is unknown until the resource is (re)created. */
export const COMPUTED_ON_CREATE: Readonly<Record<string, readonly string[]>> = {
  docker_image: ['id', 'image_id', 'repo_digest'],
  docker_network: ['id'],
  docker_volume: ['id', 'mountpoint'],
  docker_container: ['id', 'network_data', 'bridge', 'exit_code', 'container_logs'],
};

/** The effect of a change to one top-level attribute (or `build.<field>` for images). */
export function effectOf(resourceType: string, attribute: string): ChangeEffect {
  switch (resourceType) {
    case 'docker_container':
      if (CONTAINER_FORCE_NEW.has(attribute)) return 'replace';
      return CONTAINER_APPLIED_IN_PLACE.has(attribute) ? 'update' : 'state-only';
    case 'docker_image':
      if (attribute.startsWith('build.')) return IMAGE_BUILD_NOT_FORCE_NEW.has(attribute.slice('build.'.length)) ? 'state-only' : 'replace';
      if (IMAGE_FORCE_NEW.has(attribute)) return 'replace';
      return IMAGE_IN_PLACE.has(attribute) ? 'update' : 'state-only';
    case 'docker_network':
    case 'docker_volume':
      return 'replace';
    default:
      // Unknown resource types: assume the worst, and say so.
      return 'replace';
  }
}
