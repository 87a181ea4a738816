import { Network } from '@cdktf/provider-docker/lib/network';
import { Construct } from 'constructs';
import { ProxyConfigOptions, renderNginxConfig } from '../core/nginx-config';
import { CONTAINER_ACME_DIR, CONTAINER_CERTIFICATE, PROXY_ASSET_DIR, PROXY_HEALTH_PORT, resolveStaticRoot } from '../core/proxy-options';
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

    const ports = [{ internal: 80, external: props.ports.http, protocol: 'tcp' }];
    if (tls.enabled) ports.push({ internal: 443, external: props.ports.https, protocol: 'tcp' });

    this.service = new ServiceContainer(this, 'service', {
      settings: container,
      image: this.image.imageId,
      stackName: props.stackName,
      service: 'proxy',
      networks: [{ network: props.frontend }],
      ports,
      // The key is read from the host at container start and never enters an image or a plan.
      mounts: tls.enabled
        ? [
            { type: 'bind', source: tls.certificatePath, target: CONTAINER_CERTIFICATE.certificateFile, readOnly: true },
            { type: 'bind', source: tls.keyPath, target: CONTAINER_CERTIFICATE.keyFile, readOnly: true },
            ...(tls.acmeWebroot !== undefined ? [{ type: 'bind', source: tls.acmeWebroot, target: CONTAINER_ACME_DIR, readOnly: true }] : []),
          ]
        : undefined,
      healthcheck: {
        test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${PROXY_HEALTH_PORT}/healthz`],
        interval: '30s',
        timeout: '5s',
        retries: 3,
        startPeriod: '10s',
      },
    });
    this.containerName = this.service.containerName;
  }
}
