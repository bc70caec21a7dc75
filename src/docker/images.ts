/** What the image recipes share: lookup by tag, progress reporting, the build lock around a build. */
import type Docker from 'dockerode';
import { statusOf } from './engine.js';
import { withBuildLock } from './build-lock.js';

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
