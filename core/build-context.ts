import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * A Docker build context addressed by its content: the hash covers every file's relative
 * path and bytes (plus the build arguments), so renaming or editing any file changes it and
 * an unchanged context always hashes the same, on any machine and at any time.
 */
export interface BuildContextContents {
  /** Files by POSIX path relative to the context root. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Lower-case hex SHA-256 of the files and build arguments. */
  readonly sha256: string;
}

/** Reads a directory recursively into a sorted path → bytes map. Symlinks are refused: Docker would not follow them. */
function readDirectoryFiles(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string, prefix: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const absolute = path.join(dir, entry.name);
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(absolute, relative);
      else if (entry.isFile()) files.set(relative, fs.readFileSync(absolute));
      else throw new Error(`Build context ${root} holds ${relative}, which is neither a file nor a folder; Docker would not send it.`);
    }
  };
  walk(root, '');
  return files;
}

function hashBuildContext(files: ReadonlyMap<string, Buffer>, buildArgs: Readonly<Record<string, string>> = {}): string {
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    hash.update(`file ${name} ${createHash('sha256').update(files.get(name)!).digest('hex')}\n`);
  }
  for (const name of Object.keys(buildArgs).sort()) {
    hash.update(`arg ${name}=${JSON.stringify(buildArgs[name])}\n`);
  }
  return hash.digest('hex');
}

/**
 * The source folder plus generated files. A generated file may not replace a source file:
 * that would silently discard what a user put in the assets.
 */
export function composeBuildContext(
  sourceDir: string,
  generated: Readonly<Record<string, string>>,
  buildArgs: Readonly<Record<string, string>> = {},
): BuildContextContents {
  const files = readDirectoryFiles(sourceDir);
  for (const [name, content] of Object.entries(generated)) {
    if (files.has(name)) {
      throw new Error(`Generated file ${name} would replace ${path.join(sourceDir, name)}; remove that file from the assets.`);
    }
    files.set(name, Buffer.from(content, 'utf8'));
  }
  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { files: sorted, sha256: hashBuildContext(sorted, buildArgs) };
}

/**
 * Writes a composed context to a folder named by its hash under the system's temporary
 * directory, where cdktf copies it into cdktf.out. Same content, same folder: writing twice
 * is harmless, and no machine path reaches the synthesized plan.
 */
export function stageBuildContext(name: string, contents: BuildContextContents): string {
  const dir = path.join(os.tmpdir(), 'ghost-docker-cdktf', `${name}-${contents.sha256.slice(0, 16)}`);
  if (fs.existsSync(dir)) return dir;
  // Written aside and renamed into place, so a folder under the final name is always whole.
  const partial = `${dir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  for (const [file, bytes] of contents.files) {
    fs.mkdirSync(path.dirname(path.join(partial, file)), { recursive: true });
    fs.writeFileSync(path.join(partial, file), bytes);
  }
  try {
    fs.renameSync(partial, dir);
  } catch (error) {
    // Another synth staged the same content first; its copy is identical.
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw error;
  }
  return dir;
}
