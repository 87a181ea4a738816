import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { confinementOf } from '../core/confinement';
import { MYSQL_ENV, ServiceEndpoint } from '../core/services';
import { ResolvedMysqlSettings } from '../core/settings';
import { imageReference, MYSQL_PIN } from '../core/versions';
import { requireSecretReference } from './secret-reference';
import { ServiceContainer } from './service-container';

export interface MysqlDatabaseProps {
  /** The stack's name, for the stack label. */
  readonly stackName: string;
  /** The MySQL container's limits, data path, database and user. */
  readonly container: ResolvedMysqlSettings;
  /** MySQL's alias on the backend network and its port. */
  readonly endpoint: ServiceEndpoint;
  /** Internal network shared with Ghost only. */
  readonly backend: Network;
  /** Root password: a reference to a sensitive Terraform variable. */
  readonly rootPassword: string;
  /** Password of the Ghost user: a reference to a sensitive Terraform variable. */
  readonly userPassword: string;
}

/** MySQL 8 for Ghost 6, reachable only on the internal backend network. */
export class MysqlDatabase extends Construct {
  public readonly image: Image;
  public readonly service: ServiceContainer;
  public readonly containerName: string;
  /** Where Ghost connects: the alias on the backend network and the port. */
  public readonly endpoint: ServiceEndpoint;
  public readonly database: string;
  public readonly user: string;

  constructor(scope: Construct, id: string, props: MysqlDatabaseProps) {
    super(scope, id);
    const { container } = props;
    requireSecretReference('MySQL root password', props.rootPassword);
    requireSecretReference('MySQL user password', props.userPassword);
    this.endpoint = props.endpoint;
    this.database = container.database;
    this.user = container.user;

    // Kept on the host when the stack is destroyed, like the data it serves.
    this.image = new Image(this, 'image', { name: imageReference(MYSQL_PIN), keepLocally: true });

    this.service = new ServiceContainer(this, 'service', {
      settings: container,
      // Resolved at synth, so it names the image by its final address (see BuiltImage).
      image: Lazy.stringValue({ produce: () => this.image.imageId }),
      stackName: props.stackName,
      service: 'mysql',
      confinement: confinementOf('mysql'),
      networks: [{ network: props.backend, aliases: [props.endpoint.alias] }],
      env: [
        `${MYSQL_ENV.rootPassword}=${props.rootPassword}`,
        `${MYSQL_ENV.database}=${this.database}`,
        `${MYSQL_ENV.user}=${this.user}`,
        `${MYSQL_ENV.password}=${props.userPassword}`,
      ],
      volumes: [{ hostPath: container.dataPath, containerPath: '/var/lib/mysql', readOnly: false }],
      healthcheck: {
        // Answers once the server accepts connections (an access error still means it is up).
        test: ['CMD', 'mysqladmin', 'ping', '--host=127.0.0.1', '--silent'],
        interval: '10s',
        timeout: '5s',
        retries: 6,
        startPeriod: '60s',
      },
      // Terraform starts Ghost only once MySQL is healthy.
      waitUntilHealthy: true,
    });
    this.containerName = this.service.containerName;
  }
}
