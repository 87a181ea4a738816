/**
 * How the stack's services find and name each other: one source for the names that the
 * constructs write into the plan and that the policies, the review and the plan preview
 * read back out of it.
 */

/** Label keys on every resource, so `docker ps --filter label=...` finds the stack. */
export const STACK_LABEL = 'ghost-docker-cdktf.stack';
export const SERVICE_LABEL = 'ghost-docker-cdktf.service';
/**
 * On a volume whose contents the stack can lose without losing the blog (a cache, pending
 * challenges, the backup client's bookkeeping); its value says what it holds. plan-diff
 * flags replacing or destroying any other volume as data at risk.
 */
export const DISPOSABLE_LABEL = 'ghost-docker-cdktf.disposable';

/** The roles a container can play, in traffic order (the review lists them so). */
export const SERVICE_ROLES = ['proxy', 'ghost', 'mysql', 'acme', 'backup'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

/** A service's name on a user-defined network (Docker's embedded DNS) and its port. */
export interface ServiceEndpoint {
  readonly alias: string;
  readonly port: number;
}

/** Ghost on the frontend network: the proxy's upstream. */
export const GHOST_ENDPOINT: ServiceEndpoint = { alias: 'ghost', port: 2368 };

/** MySQL on the internal backend network: Ghost's database. */
export const MYSQL_ENDPOINT: ServiceEndpoint = { alias: 'mysql', port: 3306 };

/** The official MySQL image's environment names for the database and user it creates. */
export const MYSQL_ENV = {
  rootPassword: 'MYSQL_ROOT_PASSWORD',
  database: 'MYSQL_DATABASE',
  user: 'MYSQL_USER',
  password: 'MYSQL_PASSWORD',
} as const;
