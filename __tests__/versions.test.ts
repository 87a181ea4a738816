import * as versions from '../core/versions';
import { IMAGE_PINS, imageReference, ImagePin, releaseOf } from '../core/versions';

/** A pin's source: a repository, a path in it and a full commit, or an https release-notes page. */
const SOURCE = /^([\w.-]+\/[\w.-]+ \S+ at [0-9a-f]{40}|https:\/\/\S+)$/;

function isPin(value: unknown): value is ImagePin {
  return typeof value === 'object' && value !== null && 'tag' in value;
}

describe('image pins', () => {
  const exported = Object.entries(versions).filter(([, value]) => isPin(value)) as [string, ImagePin][];

  it('lists every exported pin in IMAGE_PINS', () => {
    expect(exported.map(([, pin]) => pin).sort((a, b) => a.tag.localeCompare(b.tag))).toEqual(Object.values(IMAGE_PINS).sort((a, b) => a.tag.localeCompare(b.tag)));
    expect(exported.length).toBeGreaterThanOrEqual(3);
  });

  it.each(exported)('%s names an exact tag and where it was read', (_name, pin) => {
    expect(pin.tag).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+[\w.-]*$/);
    expect(pin.source).toMatch(SOURCE);
    if (pin.digest !== undefined) {
      expect(pin.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      // The record a digest comes from is the tag's own.
      expect(pin.source).toContain(pin.tag.split(':')[1]);
    }
  });

  it('pulls and builds from tag@digest when a digest is pinned', () => {
    expect(imageReference({ tag: 'x:1.2.3', digest: `sha256:${'a'.repeat(64)}`, source: 'https://example.com' })).toBe(`x:1.2.3@sha256:${'a'.repeat(64)}`);
    expect(imageReference({ tag: 'x:1.2.3', source: 'https://example.com' })).toBe('x:1.2.3');
  });

  it('reads the release from the tag, so the version is stated once', () => {
    expect(versions.NGINX_VERSION).toBe(releaseOf(versions.NGINX_PIN));
    expect(versions.NGINX_PIN.tag).toBe(`nginx:${versions.NGINX_VERSION}-alpine`);
    expect(versions.GHOST_PIN.tag).toBe(`ghost:${versions.GHOST_VERSION}-bookworm`);
  });
});
