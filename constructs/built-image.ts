import { Image } from '@cdktf/provider-docker/lib/image';
import { AssetType, Lazy, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { composeBuildContext, stageBuildContext } from '../core/build-context';

export interface BuiltImageProps {
  /** Image repository without a tag, such as "ghost-blog/proxy"; the tag is the context hash. */
  readonly repository: string;
  /** Folder holding the Dockerfile and the files it copies. */
  readonly sourceDir: string;
  /**
   * Files generated at synth time, added to the context by relative path.
   * @default - none: the source folder is the whole context
   */
  readonly generatedFiles?: Readonly<Record<string, string>>;
  /**
   * Docker build arguments; part of the content hash, so changing one rebuilds the image.
   * @default - none
   */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /**
   * Labels on the built image.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A `docker_image` built from a content-addressed context. The provider does not rebuild an
 * image when its context changes, only when `triggers` change; here the tag and the trigger
 * both carry the context hash, so any change to a file rebuilds the image and replaces its
 * container, and an unchanged context gives a byte-identical plan.
 */
export class BuiltImage extends Construct {
  /** The `docker_image` resource. */
  public readonly image: Image;
  /** Image name with its content tag, such as "ghost-blog/proxy:0123456789ab". */
  public readonly imageName: string;
  /** SHA-256 of the build context and arguments. */
  public readonly contextSha256: string;
  /** Image ID once built; containers reference this so that a rebuild replaces them. */
  public readonly imageId: string;

  constructor(scope: Construct, id: string, props: BuiltImageProps) {
    super(scope, id);
    const buildArgs = props.buildArgs ?? {};
    const contents = composeBuildContext(props.sourceDir, props.generatedFiles ?? {}, buildArgs);
    this.contextSha256 = contents.sha256;
    this.imageName = `${props.repository}:${contents.sha256.slice(0, 12)}`;

    const generated = Object.keys(props.generatedFiles ?? {}).length > 0;
    const asset = new TerraformAsset(this, 'context', {
      path: generated ? stageBuildContext(props.repository.replace(/[^a-z0-9]+/g, '-'), contents) : props.sourceDir,
      type: AssetType.DIRECTORY,
      // cdktf's own hash reads file bytes but not names; ours covers both.
      assetHash: contents.sha256.slice(0, 32),
    });

    this.image = new Image(this, 'image', {
      name: this.imageName,
      // Old images stay on the host: a running container may still use one, and a rollback is instant.
      keepLocally: true,
      buildAttribute: {
        context: asset.path,
        buildArgs: Object.keys(buildArgs).length > 0 ? { ...buildArgs } : undefined,
        label: props.labels ? { ...props.labels } : undefined,
      },
      triggers: { context_sha256: contents.sha256 },
    });
    // Resolved at synth, not now, so that it names the image by its final address (a stack
    // may give the resource a short logical ID after this construct is built).
    this.imageId = Lazy.stringValue({ produce: () => this.image.imageId });
  }
}
