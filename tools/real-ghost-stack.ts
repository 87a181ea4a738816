import { PROXY_HEALTH_PORT } from '../core/proxy-options';
import { MYSQL_ENDPOINT, MYSQL_ENV } from '../core/services';
import { BlogHostSettings, DEFAULT_BLOG_DOMAIN } from '../core/settings-schema';
import { Json } from '../core/terraform-json';
import { fillVariables, GhostServer, planContainer, planEnvironment } from './ghost-server';
import { MariadbServer } from './mariadb-server';
import { LocalNginx, RunningPreview, startPreview } from './nginx-harness';
import { SmtpSink } from './smtp-sink';
import { StandInServer } from './stand-in-server';

/**
 * The blog as a user deploys it, with real parts wherever one can run here: the generated
 * proxy on a real NGINX on ports 80 and 443, a real Ghost configured from the synthesized
 * plan, MariaDB in place of MySQL 8, an SMTP sink for the relay and a stand-in for the
 * hosted ActivityPub service. It runs inside a private network namespace (see
 * tools/run-in-netns.ts) whose hosts file points the blog's names, "mysql" and the mail
 * host at loopback, so the plan's addresses work unchanged.
 */

/** The mail relay the end-to-end settings name; the namespace points it at the SMTP sink. */
export const E2E_MAIL_HOST = 'smtp.example.net';

/**
 * The namespace's hosts file: the blog's names, "mysql" and the mail relay at loopback, as
 * Docker's DNS would point them at containers, and one name at an address where nothing
 * answers, for a certificate challenge that must fail.
 */
export const E2E_HOSTS: Readonly<Record<string, readonly string[]>> = {
  '127.0.0.1': ['localhost', DEFAULT_BLOG_DOMAIN, 'example.com', 'admin.example.com', MYSQL_ENDPOINT.alias, E2E_MAIL_HOST],
  '127.0.0.2': ['wrong-dns.example.com'],
};

/** Test values for the plan's sensitive variables. */
export const E2E_SECRETS = {
  mysql_root_password: 'e2e-root-password-9f3a',
  mysql_password: 'e2e-mysql-password-4c1d',
  smtp_password: 'e2e-smtp-password-7b20',
} as const;

export interface RealGhostStackOptions {
  /** The settings the plan was synthesized from; the proxy is rendered from them too. */
  readonly settings: BlogHostSettings;
  /** The synthesized plan (cdk.tf.json): Ghost's environment and limits come from it. */
  readonly plan: Json;
  /** @default the first NGINX of findLocalNginxes() */
  readonly nginx?: LocalNginx;
  /** Ghost's content folder, kept when the stack stops. @default - a folder of Ghost's own, removed on stop */
  readonly contentDir?: string;
  /** Enforce the plan's memory and swap limits on Ghost. @default true */
  readonly enforceMemory?: boolean;
}

export interface RealGhostStack {
  readonly mariadb: MariadbServer;
  readonly ghost: GhostServer;
  readonly proxy: RunningPreview;
  readonly smtp?: SmtpSink;
  readonly activityPub: StandInServer;
  /** Ghost's environment as the plan gives it, variables filled in. */
  readonly ghostEnvironment: Record<string, string>;
  stop(): Promise<void>;
}

export async function startRealGhostStack(options: RealGhostStackOptions): Promise<RealGhostStack> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    const mysqlEnv = planEnvironment(options.plan, 'mysql');
    const mariadb = new MariadbServer({ port: MYSQL_ENDPOINT.port });
    await mariadb.start();
    started.push({ stop: () => mariadb.destroy() });
    mariadb.createDatabase(mysqlEnv[MYSQL_ENV.database], mysqlEnv[MYSQL_ENV.user], E2E_SECRETS.mysql_password);

    const ghostEnvironment = fillVariables(planEnvironment(options.plan, 'ghost'), E2E_SECRETS);
    let smtp: SmtpSink | undefined;
    if (ghostEnvironment.mail__transport === 'SMTP') {
      smtp = new SmtpSink();
      await smtp.start(Number(ghostEnvironment.mail__options__port));
      const sink = smtp;
      started.push({ stop: () => sink.stop() });
    }

    const container = planContainer(options.plan, 'ghost');
    const ghost = new GhostServer({
      environment: ghostEnvironment,
      contentDir: options.contentDir,
      memory: options.enforceMemory === false ? undefined : { memoryMb: container.memory, memorySwapMb: container.memory_swap },
    });
    started.push({ stop: () => ghost.destroy() });
    await ghost.start();

    const activityPub = new StandInServer({ host: '127.0.0.4', name: 'activitypub' });
    await activityPub.start();
    started.push({ stop: () => activityPub.stop() });

    const proxy = await startPreview({
      settings: options.settings,
      nginx: options.nginx,
      upstream: { host: ghost.host, port: ghost.port },
      activityPub: { host: activityPub.host, port: activityPub.port },
      httpPort: 80,
      httpsPort: 443,
      healthPort: PROXY_HEALTH_PORT,
    });
    started.push({ stop: () => proxy.stop() });

    return {
      mariadb,
      ghost,
      proxy,
      smtp,
      activityPub,
      ghostEnvironment,
      stop: async () => {
        for (const part of started.reverse()) await part.stop();
      },
    };
  } catch (error) {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    throw error;
  }
}
