import { SettingError } from './validation';

/** A dotted release number such as 1.30.6, compared part by part. */
export type Version = readonly [number, number, number];

export function parseVersion(setting: string, text: string): Version {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new SettingError(setting, text, 'expected a release number such as "1.30.6"');
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function atLeast(version: Version, minimum: Version): boolean {
  for (let i = 0; i < 3; i++) {
    if (version[i] !== minimum[i]) return version[i] > minimum[i];
  }
  return true;
}

export function formatVersion(version: Version): string {
  return version.join('.');
}

/**
 * NGINX releases where a directive the renderer emits changed form. Each entry says
 * what the renderer does on either side of the line.
 */
export const NGINX_FEATURES = {
  /** Oldest NGINX the renderer supports: `ssl_reject_handshake` (1.19.4) and TLS 1.3 everywhere. */
  minimum: [1, 22, 0] as Version,
  /** 1.23.2 rotates session ticket keys itself; before it, Mozilla's guideline turns tickets off. */
  ticketKeyRotation: [1, 23, 2] as Version,
  /** 1.25.1 replaced `listen ... http2` with `http2 on;`. */
  http2Directive: [1, 25, 1] as Version,
  /** 1.27.3 brought `resolve` on upstream servers to open-source NGINX. */
  upstreamResolve: [1, 27, 3] as Version,
} as const;

/** OpenSSL 3.5 is the first with the post-quantum hybrid group X25519MLKEM768. */
export const OPENSSL_MLKEM: Version = [3, 5, 0];
