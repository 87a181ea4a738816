import { ITerraformDependable } from 'cdktf';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { Construct } from 'constructs';
import * as path from 'path';
import { ACME_CERT_NAME, ACME_ENV, CONTAINER_ACME_WEBROOT, CONTAINER_LETSENCRYPT_DIR } from '../core/certificates';
import { confinementOf } from '../core/confinement';
import { SECRET_VARIABLES } from '../core/secret-variables';
import { ResolvedAcmeSettings } from '../core/settings';
import { escapeForTerraform } from '../core/terraform-literal';
import { CERTBOT_PIN, imageReference } from '../core/versions';
import { BuiltImage } from './built-image';
import { requireNeededSecret } from './secret-reference';
import { ServiceContainer } from './service-container';

const ACME_ASSET_DIR = path.join(__dirname, '..', 'assets', 'acme');

export interface AcmeClientProps {
  /** The stack's name: image repository prefix and labels. */
  readonly stackName: string;
  /** The volume challenges are written into; the proxy serves them from it. */
  readonly challengeVolume: Volume;
  /** A network of the client's own, to reach the CA: it talks to no other container. */
  readonly network: Network;
  /** Who the account is, where it asks, for which names, and the container's limits. */
  readonly settings: ResolvedAcmeSettings;
  /**
   * The external account binding's HMAC key: a reference to a sensitive variable.
   * @default - none; required when the settings name a key identifier
   */
  readonly eabHmacKey?: string;
  /**
   * Resources the client must wait for: the proxy, which answers the challenges.
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Folder with the client's Dockerfile and script.
   * @default assets/acme of this repository
   */
  readonly assetDir?: string;
}

/**
 * The stack's ACME client: certbot from its official image, with a script that issues one
 * certificate for every name the proxy serves (HTTP-01 through the proxy's challenge route)
 * and keeps it renewed, retrying with back-off after a failure. It has a network of its
 * own to reach the CA, and shares only two folders with the proxy: the challenges (a
 * volume it writes) and its own /etc/letsencrypt (a host folder the proxy reads). It holds
 * no Docker socket: the proxy's watcher picks up new files by itself.
 */
export class AcmeClient extends Construct {
  public readonly image: BuiltImage;
  public readonly service: ServiceContainer;
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: AcmeClientProps) {
    super(scope, id);
    const { settings } = props;
    if (settings.eabKeyId !== undefined) {
      requireNeededSecret('ACME external account binding HMAC key', props.eabHmacKey, 'an external account binding (tls.acme.externalAccountBinding)', SECRET_VARIABLES.acmeEabHmacKey);
    }

    this.image = new BuiltImage(this, 'image', {
      repository: `${props.stackName}/acme`,
      sourceDir: props.assetDir ?? ACME_ASSET_DIR,
      buildArgs: { CERTBOT_IMAGE: imageReference(CERTBOT_PIN) },
    });

    this.service = new ServiceContainer(this, 'service', {
      settings,
      image: this.image.imageId,
      stackName: props.stackName,
      service: 'acme',
      confinement: confinementOf('acme'),
      networks: [{ network: props.network }],
      env: [
        `${ACME_ENV.domains}=${settings.hostNames.join(' ')}`,
        `${ACME_ENV.email}=${escapeForTerraform(settings.email)}`,
        `${ACME_ENV.directory}=${settings.directoryUrl}`,
        `${ACME_ENV.certName}=${ACME_CERT_NAME}`,
        `${ACME_ENV.configDir}=${CONTAINER_LETSENCRYPT_DIR}`,
        `${ACME_ENV.webroot}=${CONTAINER_ACME_WEBROOT}`,
        ...(settings.eabKeyId !== undefined ? [`${ACME_ENV.eabKeyId}=${settings.eabKeyId}`, `${ACME_ENV.eabHmacKey}=${props.eabHmacKey}`] : []),
      ],
      // A host path, created by Docker when missing, and kept by `cdktf destroy`: the account
      // and certificates outlive the container, so a redeploy asks the CA for nothing new.
      volumes: [{ hostPath: settings.dataPath, containerPath: CONTAINER_LETSENCRYPT_DIR, readOnly: false }],
      mounts: [{ type: 'volume', source: props.challengeVolume.name, target: CONTAINER_ACME_WEBROOT, readOnly: false }],
      healthcheck: {
        test: ['CMD', '/usr/local/bin/acme-client', 'health'],
        interval: '5m',
        timeout: '10s',
        retries: 1,
        // The first certificate: DNS may still be settling, and failures back off.
        startPeriod: '30m',
      },
      dependsOn: props.dependsOn,
    });
    this.containerName = this.service.containerName;
  }
}
