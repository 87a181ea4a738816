/**
 * Every image the stack runs, pinned to an exact upstream tag. Bumping one is a reviewed
 * change: the proxy's NGINX version is also the renderer's default target, so the
 * configuration is always generated for the NGINX that will run it.
 */

/** NGINX stable line; the official image's Alpine variant. */
export const NGINX_VERSION = '1.30.6';
/** OpenSSL major.minor in that image (Alpine 3.24), which decides the TLS groups NGINX may offer. */
export const NGINX_IMAGE_OPENSSL_VERSION = '3.5';
export const NGINX_BASE_IMAGE = `nginx:${NGINX_VERSION}-alpine`;

/** Ghost 6 on Debian bookworm, the official image. */
export const GHOST_VERSION = '6.71.0';
export const GHOST_BASE_IMAGE = `ghost:${GHOST_VERSION}-bookworm`;

/** MySQL 8.4 LTS: Ghost 6 supports only MySQL 8 in production. */
export const MYSQL_IMAGE = 'mysql:8.4.11';
