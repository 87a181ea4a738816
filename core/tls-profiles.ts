import { atLeast, OPENSSL_MLKEM, Version } from './nginx-version';

/**
 * Mozilla's server-side TLS guideline 6.0, as NGINX directives.
 *
 * - `intermediate`: TLS 1.2 and 1.3, ECDHE key exchange with AES-GCM or ChaCha20-Poly1305
 *   only (no DHE, so no dhparam file), the client picks the cipher.
 * - `modern`: TLS 1.3 only; every TLS 1.3 suite is AEAD with forward secrecy.
 *
 * Both offer the hybrid post-quantum group X25519MLKEM768 first where OpenSSL has it.
 */
export const TLS_PROFILES = ['intermediate', 'modern'] as const;
export type TlsProfile = (typeof TLS_PROFILES)[number];

/** TLS 1.2 suites of the intermediate profile, in the guideline's order. */
const INTERMEDIATE_TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];

export interface TlsProfileDirectives {
  readonly protocols: string;
  /** `undefined` where the profile leaves the TLS 1.2 list alone (TLS 1.3 only). */
  readonly ciphers?: string;
  readonly groups: string;
}

export function tlsProfileDirectives(profile: TlsProfile, openssl: Version): TlsProfileDirectives {
  const classicGroups = ['X25519', 'prime256v1', 'secp384r1'];
  const groups = (atLeast(openssl, OPENSSL_MLKEM) ? ['X25519MLKEM768', ...classicGroups] : classicGroups).join(':');
  if (profile === 'modern') {
    return { protocols: 'TLSv1.3', groups };
  }
  return { protocols: 'TLSv1.2 TLSv1.3', ciphers: INTERMEDIATE_TLS12_CIPHERS.join(':'), groups };
}
