import { TlsCertificateFiles } from './nginx-config';

/**
 * Where certificates live in the containers. In mode "files" the user's certificate and
 * key are mounted into the proxy as its source. In mode "acme" the stack's ACME client
 * (certbot, assets/acme/) keeps its account and certificates in one folder and writes
 * challenges into another, and the proxy reads both, read-only; one lineage (certbot's
 * name for a certificate and its renewals) holds every name the proxy serves.
 */

/** Where the user's own certificate and key are mounted in the proxy container (read-only). */
export const CONTAINER_CERTIFICATE_SOURCE: TlsCertificateFiles = {
  certificateFile: '/etc/nginx/tls-source/fullchain.pem',
  keyFile: '/etc/nginx/tls-source/privkey.pem',
};

/** Let's Encrypt's directories, by the names the settings accept. */
export const ACME_DIRECTORIES = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

/** certbot's name for the stack's certificate: live/<name>/ holds the current files. */
export const ACME_CERT_NAME = 'blog';

/** certbot's configuration folder (account, certificates), in the certbot and proxy containers. */
export const CONTAINER_LETSENCRYPT_DIR = '/etc/letsencrypt';

/** The folder certbot writes HTTP-01 challenges into and the proxy serves them from. */
export const CONTAINER_ACME_WEBROOT = '/var/www/acme';

/** The current certificate and key of the lineage, under a certbot configuration folder. */
export function lineageFiles(configDir: string): TlsCertificateFiles {
  return { certificateFile: `${configDir}/live/${ACME_CERT_NAME}/fullchain.pem`, keyFile: `${configDir}/live/${ACME_CERT_NAME}/privkey.pem` };
}

/** The environment the client script (assets/acme/acme-client.sh) reads, by meaning. */
export const ACME_ENV = {
  domains: 'ACME_DOMAINS',
  email: 'ACME_EMAIL',
  directory: 'ACME_DIRECTORY',
  certName: 'ACME_CERT_NAME',
  configDir: 'ACME_CONFIG_DIR',
  webroot: 'ACME_WEBROOT',
  eabKeyId: 'ACME_EAB_KID',
  eabHmacKey: 'ACME_EAB_HMAC_KEY',
} as const;
