/** What the image recipes share: lookup by tag, progress reporting, the build lock around a build, a layer from a Dockerfile. */
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { statusOf } from './engine.js';
import { withBuildLock } from './build-lock.js';
import { followJsonStream } from './json-stream.js';
import { MANAGED_LABEL } from './labels.js';
import type { RecipeFile } from './recipe.js';
import { createTar } from './tar.js';

export interface ImageOptions {
  /** The engine; connectEngine() when absent. */
  docker?: Docker;
  /** One line per step ("building base image with mmdebstrap (about a minute)…"). */
  onProgress?: (line: string) => void;
  /** The lab/ directory holding the recipes (the package's own by default). */
  labDir?: string;
}

/** The image's size in bytes when `tag` exists in the engine, else undefined. */
export async function imageSize(docker: Docker, tag: string): Promise<number | undefined> {
  try {
    return (await docker.getImage(tag).inspect()).Size;
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

export function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

/**
 * Returns `tag` when the engine has it; otherwise builds it under a lock shared by the processes
 * of this machine (the second one waits, then finds the image built).
 */
export async function cachedImage(docker: Docker, tag: string, what: string, build: () => Promise<void>, onProgress: (line: string) => void): Promise<string> {
  if ((await imageSize(docker, tag)) !== undefined) return tag;
  return withBuildLock(
    `image-${tag}`,
    async () => {
      if ((await imageSize(docker, tag)) !== undefined) return tag;
      const started = Date.now();
      await build();
      const size = await imageSize(docker, tag);
      if (size === undefined) throw new Error(`building ${what} finished but the engine has no image ${tag}`);
      onProgress(`${what} ready: ${tag} (${megabytes(size)}, built in ${Math.round((Date.now() - started) / 1000)} s)`);
      return tag;
    },
    { onWait: (pid) => onProgress(`waiting for process ${pid ?? '?'}, which is building ${tag}…`) },
  );
}

/** A build context of recipe files, with their executable bits, fixed timestamps and root owner. */
export function buildContext(files: readonly RecipeFile[]): Buffer {
  return createTar(files.map((f) => ({ name: f.name, data: f.data, mode: f.mode & 0o111 ? 0o755 : 0o644 })));
}

/**
 * Builds `tag` from recipe files holding a Dockerfile that starts `FROM ${BASE}`, with the engine's
 * builder, labelled as ours (`dev.playbook.image=<kind>`); each Dockerfile step is a progress line.
 */
export async function buildLayer(docker: Docker, layer: { tag: string; base: string; files: readonly RecipeFile[]; kind: string; what: string }, onProgress: (line: string) => void): Promise<void> {
  onProgress(`building ${layer.what} ${layer.tag} on ${layer.base}…`);
  const stream = await docker.buildImage(Readable.from([buildContext(layer.files)]), {
    t: layer.tag,
    buildargs: { BASE: layer.base },
    labels: { [MANAGED_LABEL]: 'true', 'dev.playbook.image': layer.kind },
    rm: true,
    forcerm: true,
  });
  await followJsonStream(stream, (m) => {
    const line = m.stream?.trim();
    if (line && /^Step \d+\/\d+/.test(line)) onProgress(`  ${line}`);
  });
}
