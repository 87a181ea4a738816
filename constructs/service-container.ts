import {
  Container,
  ContainerHealthcheck,
  ContainerMounts,
  ContainerPorts,
  ContainerVolumes,
} from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { Confinement, NO_NEW_PRIVILEGES, tmpfsMounts } from '../core/confinement';
import { ServiceRole, SERVICE_LABEL, STACK_LABEL } from '../core/services';
import { ResolvedContainerSettings } from '../core/settings';

export interface NetworkAttachment {
  /** The network to join. */
  readonly network: Network;
  /**
   * Names other containers on this network resolve to this one (Docker's embedded DNS).
   * @default - none: only the container's name
   */
  readonly aliases?: readonly string[];
}

export interface ServiceContainerProps {
  /** Limits, restart policy and log rotation, already resolved and checked. */
  readonly settings: ResolvedContainerSettings;
  /** Image ID (or name) to run. */
  readonly image: string;
  /** The stack's name, written into the stack label. */
  readonly stackName: string;
  /** The service's role, written into the service label. */
  readonly service: ServiceRole;
  /** User-defined networks; the container leaves Docker's default bridge. */
  readonly networks: readonly NetworkAttachment[];
  /** How Docker decides the service is healthy. */
  readonly healthcheck: ContainerHealthcheck;
  /** Read-only root with sized tmpfs folders, capabilities, init and process bound (core/confinement.ts). */
  readonly confinement: Confinement;
  /**
   * Environment as NAME=value; values may be Terraform references to sensitive variables.
   * @default - none
   */
  readonly env?: readonly string[];
  /**
   * Ports published on the host.
   * @default - none
   */
  readonly ports?: readonly ContainerPorts[];
  /**
   * Bind mounts (the files must exist on the host) and volume mounts; tmpfs comes from the
   * confinement.
   * @default - none
   */
  readonly mounts?: readonly ContainerMounts[];
  /**
   * Host-path volumes, created on the host if missing (as `docker run -v` does).
   * @default - none
   */
  readonly volumes?: readonly ContainerVolumes[];
  /**
   * Make Terraform wait until the health check passes, so dependents start after it.
   * @default false
   */
  readonly waitUntilHealthy?: boolean;
  /**
   * Resources that must exist first.
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * One long-running service container with what the article asked of every container:
 * a memory limit with explicit swap, a restart policy and json-file log rotation; plus a
 * health check, fixed name and labels, and its confinement (read-only root, tmpfs, dropped
 * capabilities, no-new-privileges, process bound, init).
 */
export class ServiceContainer extends Construct {
  public readonly container: Container;
  /** The container's name on the Docker host. */
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: ServiceContainerProps) {
    super(scope, id);
    const { settings, confinement } = props;
    this.containerName = settings.containerName;
    this.container = new Container(this, 'container', {
      name: settings.containerName,
      image: props.image,
      memory: settings.memoryMb,
      memorySwap: settings.memorySwapMb,
      restart: settings.restart,
      logDriver: 'json-file',
      logOpts: { 'max-size': settings.logMaxSize, 'max-file': String(settings.logMaxFiles) },
      healthcheck: props.healthcheck,
      labels: [
        { label: STACK_LABEL, value: props.stackName },
        { label: SERVICE_LABEL, value: props.service },
      ],
      networksAdvanced: props.networks.map((attachment) => ({
        name: attachment.network.name,
        aliases: attachment.aliases ? [...attachment.aliases] : undefined,
      })),
      env: props.env ? [...props.env] : undefined,
      ports: props.ports ? [...props.ports] : undefined,
      mounts: props.mounts ? [...props.mounts] : undefined,
      volumes: props.volumes ? [...props.volumes] : undefined,
      // Least privilege: nothing is written outside the mounts and tmpfs folders, no
      // capability but those the confinement justifies, no privilege gained later.
      readOnly: true,
      tmpfs: Object.keys(confinement.tmpfsMb).length > 0 ? tmpfsMounts(confinement.tmpfsMb) : undefined,
      capabilities: { drop: ['ALL'], add: Object.keys(confinement.capabilities).length > 0 ? Object.keys(confinement.capabilities).sort() : undefined },
      securityOpts: [NO_NEW_PRIVILEGES],
      init: confinement.init,
      ulimit: [{ name: 'nproc', soft: confinement.maxProcesses, hard: confinement.maxProcesses }],
      wait: props.waitUntilHealthy ?? false,
      waitTimeout: props.waitUntilHealthy ? 180 : undefined,
      // Time to stop cleanly on replacement: NGINX finishes requests, MySQL flushes to disk.
      destroyGraceSeconds: 30,
      dependsOn: props.dependsOn,
    });
  }
}
