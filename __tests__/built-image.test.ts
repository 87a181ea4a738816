import * as fs from 'fs';
import * as path from 'path';
import { PROXY_ASSET_DIR } from '../core/proxy-options';
import { BLOG_ASSET_DIR } from '../constructs/ghost-blog';
import { copyToTemp, synthBlogHost, TerraformJson } from '../test-support/synth';

/** Every resource by address, for comparing two plans. */
function byAddress(json: TerraformJson): Map<string, string> {
  const map = new Map<string, string>();
  for (const [type, resources] of Object.entries(json.resource)) {
    for (const [name, body] of Object.entries(resources)) map.set(`${type}.${name}`, JSON.stringify(body));
  }
  for (const [name, body] of Object.entries(json.output)) map.set(`output.${name}`, JSON.stringify(body));
  return map;
}

function changedAddresses(a: TerraformJson, b: TerraformJson): string[] {
  const before = byAddress(a);
  const after = byAddress(b);
  return [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
}

describe('BuiltImage', () => {
  const proxyAssets = copyToTemp(PROXY_ASSET_DIR);
  const blogAssets = copyToTemp(BLOG_ASSET_DIR);
  afterAll(() => {
    fs.rmSync(proxyAssets, { recursive: true, force: true });
    fs.rmSync(blogAssets, { recursive: true, force: true });
  });

  it('gives an unchanged copy of the assets a byte-identical plan', () => {
    const copied = synthBlogHost({ assetDirs: { proxy: proxyAssets, blog: blogAssets } });
    expect(copied.text).toBe(synthBlogHost().text);
  });

  it('changes only the image tag, trigger and context when one byte of an asset changes', () => {
    const before = synthBlogHost({ assetDirs: { proxy: proxyAssets, blog: blogAssets } });
    const file = path.join(proxyAssets, 'html', 'humans.txt');
    const bytes = fs.readFileSync(file);
    bytes[0] = bytes[0] ^ 1;
    fs.writeFileSync(file, bytes);
    const after = synthBlogHost({ assetDirs: { proxy: proxyAssets, blog: blogAssets } });

    // The container refers to the image's ID, which the rebuild changes: Terraform replaces it.
    expect(changedAddresses(before.json, after.json)).toEqual(['docker_image.proxy']);
    const [was, now] = [before, after].map((s) => s.json.resource.docker_image.proxy);
    expect(now.name).not.toBe(was.name);
    expect(now.triggers.context_sha256).not.toBe(was.triggers.context_sha256);
    expect(now.build.context).not.toBe(was.build.context);
    expect({ ...now, name: 0, triggers: 0, build: { ...now.build, context: 0 } }).toEqual({ ...was, name: 0, triggers: 0, build: { ...was.build, context: 0 } });
    expect(after.stack.ghost.image.imageName).toBe(before.stack.ghost.image.imageName);
  });

  it('rebuilds when a file is renamed, even with the same bytes', () => {
    const before = synthBlogHost({ assetDirs: { proxy: proxyAssets, blog: blogAssets } });
    fs.renameSync(path.join(blogAssets, 'healthcheck.js'), path.join(blogAssets, 'healthcheck-renamed.js'));
    const after = synthBlogHost({ assetDirs: { proxy: proxyAssets, blog: blogAssets } });
    fs.renameSync(path.join(blogAssets, 'healthcheck-renamed.js'), path.join(blogAssets, 'healthcheck.js'));
    expect(after.stack.ghost.image.contextSha256).not.toBe(before.stack.ghost.image.contextSha256);
  });

  it('rebuilds the blog image when the time zone (a build argument) changes', () => {
    const toronto = synthBlogHost();
    const paris = synthBlogHost({ timeZone: 'Europe/Paris' });
    expect(changedAddresses(toronto.json, paris.json)).toEqual(['docker_image.ghost']);
  });

  it('refuses a generated file that would replace an asset', () => {
    fs.mkdirSync(path.join(proxyAssets, 'nginx'));
    fs.writeFileSync(path.join(proxyAssets, 'nginx', 'nginx.conf'), '# mine');
    try {
      expect(() => synthBlogHost({ assetDirs: { proxy: proxyAssets } })).toThrow(/Generated file nginx\/nginx\.conf would replace .*nginx\.conf; remove that file from the assets/);
    } finally {
      fs.rmSync(path.join(proxyAssets, 'nginx'), { recursive: true });
    }
  });
});

describe("the images' Dockerfiles", () => {
  // The Docker provider builds with the legacy builder (it has no BuildKit session), which
  // refuses these forms at deploy time: kreuzwerker/terraform-provider-docker#728.
  const BUILDKIT_ONLY: readonly [string, RegExp][] = [
    ['COPY/ADD --chmod', /^\s*(COPY|ADD)\b[^\n]*--chmod/im],
    ['COPY/ADD --link', /^\s*(COPY|ADD)\b[^\n]*--link/im],
    ['COPY --parents', /^\s*COPY\b[^\n]*--parents/im],
    ['RUN --mount, --network or --security', /^\s*RUN\s+--(mount|network|security)/im],
    ['a here-document', /^\s*(RUN|COPY)\b[^\n]*<<-?\s*["']?[A-Za-z]/im],
    ['a # syntax= directive', /^#\s*syntax\s*=/im],
  ];
  const assets = path.join(__dirname, '..', 'assets');
  const dockerfiles = fs.readdirSync(assets).filter((dir) => fs.existsSync(path.join(assets, dir, 'Dockerfile')));

  it('finds one per image', () => {
    expect(dockerfiles.sort()).toEqual(['acme', 'backup', 'blog', 'proxy']);
  });

  it.each(dockerfiles)('assets/%s/Dockerfile uses nothing the legacy builder refuses', (dir) => {
    const text = fs.readFileSync(path.join(assets, dir, 'Dockerfile'), 'utf8');
    expect(BUILDKIT_ONLY.filter(([, pattern]) => pattern.test(text)).map(([name]) => name)).toEqual([]);
  });

  it('catches each form it looks for', () => {
    const samples = ['COPY --chmod=755 a /b', 'COPY --link a /b', 'COPY --parents a /b', 'RUN --mount=type=cache,target=/c true', "RUN <<'EOF'", '# syntax=docker/dockerfile:1'];
    expect(samples.map((sample) => BUILDKIT_ONLY.filter(([, pattern]) => pattern.test(sample)).length)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
