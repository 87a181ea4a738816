/**
 * Every image the stack runs, pinned to an exact upstream tag and, where a record of the
 * registry gives one, to its digest. Each pin names where it was read; a test fails when one
 * does not. Bumping a pin is a reviewed change: the proxy's NGINX version is also the
 * renderer's default target, so the configuration is always generated for the NGINX that
 * will run it, and Ghost's version is the one the end-to-end tests install from npm.
 */

export interface ImagePin {
  /** Repository and tag, as `docker pull` takes them. */
  readonly tag: string;
  /**
   * The multi-platform index digest recorded for that tag, so a re-pushed tag cannot change
   * what runs. Only ever a digest read from the record in `source`.
   * @default - none: the tag alone
   */
  readonly digest?: string;
  /** Where the tag and digest were read: repository, path and commit, or release notes. */
  readonly source: string;
}

/** The release a tag names: `1.30.5` of `nginx:1.30.5-alpine`. */
export function releaseOf(pin: ImagePin): string {
  const release = /:v?(\d+\.\d+\.\d+)/.exec(pin.tag)?.[1];
  if (release === undefined) throw new Error(`The pin ${pin.tag} names no release.`);
  return release;
}

/** The image reference to pull or build from: `tag@digest` when pinned by digest. */
export function imageReference(pin: ImagePin): string {
  return pin.digest !== undefined ? `${pin.tag}@${pin.digest}` : pin.tag;
}

/** NGINX stable line; the official image's Alpine variant. */
export const NGINX_PIN: ImagePin = {
  tag: 'nginx:1.30.5-alpine',
  digest: 'sha256:0985e772fb9f729e6fa0980da05fca5d9c468e870eed43071545afa9d2e27d94',
  source: 'docker-library/repo-info repos/nginx/remote/1.30.5-alpine.md at 35d0d2e1b83352ed6b2de8c0784080e1784106bc',
};
export const NGINX_VERSION = releaseOf(NGINX_PIN);
/**
 * OpenSSL major.minor in that image, which decides the TLS groups NGINX may offer: Alpine
 * 3.24's libssl3 3.5.8, per docker-library/repo-info repos/nginx/local/1.30.5-alpine3.24.md
 * at 8dcc4446657744fa8a49ec7a06f3eb05ba8962ac.
 */
export const NGINX_IMAGE_OPENSSL_VERSION = '3.5';

/** Ghost 6 on Debian bookworm, the official image; the same version is on npm for the tests. */
export const GHOST_PIN: ImagePin = {
  tag: 'ghost:6.65.0-bookworm',
  digest: 'sha256:90592b712b6b6502c3169cf12bcb6e5f7b8c8315968b8bb53e08e879892641fa',
  source: 'docker-library/repo-info repos/ghost/remote/6.65.0-bookworm.md at 12b302f7b0d0879cd356435aa468664aadd7c720',
};
export const GHOST_VERSION = releaseOf(GHOST_PIN);

/** MySQL 8.4 LTS: Ghost 6 supports only MySQL 8 in production. */
export const MYSQL_PIN: ImagePin = {
  tag: 'mysql:8.4.11',
  digest: 'sha256:85b9bf2e29cf836ecb8c2a15a935d4ba0c606631dff1dd79531a11983c638f2a',
  source: 'docker-library/repo-info repos/mysql/remote/8.4.11.md at 0f0c69aaf7d364b2fd5a00f9141c6b51de83f2cb',
};

/**
 * certbot, the ACME client, from its official image. Not an official library image, so no
 * registry record gives a digest to read: the tag is the release's, per its release notes.
 * The tests run Debian 12's certbot 2.1 with the same script; see the README.
 */
export const CERTBOT_PIN: ImagePin = {
  tag: 'certbot/certbot:v5.6.0',
  source: 'certbot/certbot certbot/CHANGELOG.md at f769e35e77f1fa21a75cd5418641502dad8a37c5',
};

/**
 * restic, for the backups, from its official image (the binary is copied into the backup
 * image beside MySQL's client). Not an official library image either: the tag is the
 * release's. The tests run the same release, unpacked from Debian testing's package.
 */
export const RESTIC_PIN: ImagePin = {
  tag: 'restic/restic:0.19.1',
  source: 'restic/restic CHANGELOG.md at a80be1478a4c537f8396e0db2b05120aa78f11e0',
};

/** Every pin in one list, for the test that each names its source. */
export const IMAGE_PINS: Readonly<Record<string, ImagePin>> = { nginx: NGINX_PIN, ghost: GHOST_PIN, mysql: MYSQL_PIN, certbot: CERTBOT_PIN, restic: RESTIC_PIN };
