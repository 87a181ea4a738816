import { ContainerMounts, ContainerVolumes } from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { Construct } from 'constructs';
import { CONTAINER_ACME_WEBROOT, CONTAINER_CERTIFICATE_SOURCE, CONTAINER_LETSENCRYPT_DIR } from '../core/certificates';
import { confinementOf } from '../core/confinement';
import { PROXY_HEALTH_PATH, ProxyConfigOptions, renderNginxConfig } from '../core/nginx-config';
import { CONTAINER_LAYOUT, PROXY_ASSET_DIR, PROXY_CACHE_ROOT, PROXY_HEALTH_PORT, resolveStaticRoot } from '../core/proxy-options';
import { ResolvedProxySettings, ResolvedTlsSettings } from '../core/settings';
import { imageReference, NGINX_PIN } from '../core/versions';
import { BuiltImage } from './built-image';
import { ServiceContainer } from './service-container';

export interface NginxProxyProps {
  /** The stack's name: the image repository's prefix and the stack label. */
  readonly stackName: string;
  /** The proxy container's limits and its configuration settings. */
  readonly container: ResolvedProxySettings;
  /** Where the certificate, key and ACME challenges come from on the host. */
  readonly tls: ResolvedTlsSettings;
  /**
   * The volume the stack's ACME client writes challenges into (mode "acme").
   * @default - none; required in mode "acme"
   */
  readonly challengeVolume?: Volume;
  /** A volume for the page cache and NGINX's temporary files (a tmpfs would count against the proxy's memory). */
  readonly cacheVolume: Volume;
  /** Host ports for plain HTTP and HTTPS. */
  readonly ports: { readonly http: number; readonly https: number };
  /** The generated configuration's options, for the container's layout (see proxy-options.ts). */
  readonly configuration: ProxyConfigOptions;
  /** The network shared with Ghost. */
  readonly frontend: Network;
  /**
   * Folder with the proxy's Dockerfile and static root.
   * @default assets/proxy of this repository
   */
  readonly assetDir?: string;
}

/**
 * The NGINX reverse proxy: an image built from the pinned official nginx image with the
 * generated configuration and the static files, a container that alone publishes 80 and 443,
 * and the certificate and key mounted read-only from the host.
 */
export class NginxProxy extends Construct {
  public readonly image: BuiltImage;
  public readonly service: ServiceContainer;
  /** The rendered configuration, by path under /etc/nginx. */
  public readonly renderedConfig: Readonly<Record<string, string>>;
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: NginxProxyProps) {
    super(scope, id);
    const { container, tls } = props;
    const assetDir = props.assetDir ?? PROXY_ASSET_DIR;
    const staticRoot = resolveStaticRoot(assetDir, container.staticRoot);
    this.renderedConfig = renderNginxConfig(props.configuration);

    const generated: Record<string, string> = {};
    for (const [file, content] of Object.entries(this.renderedConfig)) generated[`nginx/${file}`] = content;
    this.image = new BuiltImage(this, 'image', {
      repository: `${props.stackName}/proxy`,
      sourceDir: assetDir,
      generatedFiles: generated,
      buildArgs: { NGINX_IMAGE: imageReference(NGINX_PIN), STATIC_ROOT: staticRoot },
    });

    const ports = [{ internal: CONTAINER_LAYOUT.httpPort, external: props.ports.http, protocol: 'tcp' }];
    if (tls.enabled) ports.push({ internal: CONTAINER_LAYOUT.httpsPort, external: props.ports.https, protocol: 'tcp' });

    // Keys are read from the host or certbot's folder when the container runs, read-only, and
    // never enter an image or a plan; the watcher copies a matching pair into its own state.
    const mounts: ContainerMounts[] = [{ type: 'volume', source: props.cacheVolume.name, target: PROXY_CACHE_ROOT, readOnly: false }];
    const volumes: ContainerVolumes[] = [];
    if (tls.mode === 'files') {
      mounts.push(
        { type: 'bind', source: tls.certificatePath, target: CONTAINER_CERTIFICATE_SOURCE.certificateFile, readOnly: true },
        { type: 'bind', source: tls.keyPath, target: CONTAINER_CERTIFICATE_SOURCE.keyFile, readOnly: true },
      );
      if (tls.acmeWebroot !== undefined) mounts.push({ type: 'bind', source: tls.acmeWebroot, target: CONTAINER_ACME_WEBROOT, readOnly: true });
    } else if (tls.mode === 'acme') {
      if (!props.challengeVolume) throw new Error('NginxProxy: in mode "acme" the challenge volume the ACME client writes into is required.');
      // A host path, as Docker creates it when missing: the first deploy needs no preparation.
      volumes.push({ hostPath: tls.acme!.dataPath, containerPath: CONTAINER_LETSENCRYPT_DIR, readOnly: true });
      mounts.push({ type: 'volume', source: props.challengeVolume.name, target: CONTAINER_ACME_WEBROOT, readOnly: true });
    }

    this.service = new ServiceContainer(this, 'service', {
      settings: container,
      image: this.image.imageId,
      stackName: props.stackName,
      service: 'proxy',
      confinement: confinementOf('proxy'),
      networks: [{ network: props.frontend }],
      ports,
      mounts,
      volumes: volumes.length > 0 ? volumes : undefined,
      healthcheck: {
        test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${PROXY_HEALTH_PORT}${PROXY_HEALTH_PATH}`],
        interval: '30s',
        timeout: '5s',
        retries: 3,
        startPeriod: '10s',
      },
    });
    this.containerName = this.service.containerName;
  }
}
