/**
 * The SSH node image: the base image plus the files of lab/sshd/ (Dockerfile, sshd settings, the
 * entrypoint that makes each container's host key), built with the engine's builder from an
 * in-memory context, tagged playbook-lab/sshd:<hash of the base tag and those files>.
 */
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ensureBaseImage } from './base-image.js';
import { connectEngine } from './engine.js';
import { type ImageOptions, cachedImage } from './images.js';
import { followJsonStream } from './json-stream.js';
import { MANAGED_LABEL } from './labels.js';
import { LAB_DIR, type RecipeFile, readRecipe, recipeHash } from './recipe.js';
import { createTar } from './tar.js';

export const SSHD_REPOSITORY = 'playbook-lab/sshd';
/** The login user of the node image (uid and gid 1000), with passwordless sudo. */
export const NODE_USER = 'playbook';
export const NODE_UID = 1000;
/** The host key sshd offers; the entrypoint generates it at the container's first start. */
export const HOST_KEY_PUB = '/etc/ssh/ssh_host_ed25519_key.pub';

/** A build context of recipe files, with their executable bits, fixed timestamps and root owner. */
export function buildContext(files: readonly RecipeFile[]): Buffer {
  return createTar(files.map((f) => ({ name: f.name, data: f.data, mode: f.mode & 0o111 ? 0o755 : 0o644 })));
}

async function build(docker: Docker, tag: string, base: string, files: readonly RecipeFile[], onProgress: (line: string) => void): Promise<void> {
  onProgress(`building sshd node image ${tag} on ${base}…`);
  const stream = await docker.buildImage(Readable.from([buildContext(files)]), {
    t: tag,
    buildargs: { BASE: base },
    labels: { [MANAGED_LABEL]: 'true', 'dev.playbook.image': 'sshd' },
    rm: true,
    forcerm: true,
  });
  await followJsonStream(stream, (m) => {
    const line = m.stream?.trim();
    if (line && /^Step \d+\/\d+/.test(line)) onProgress(`  ${line}`);
  });
}

/** The sshd node image's tag, building it (and the base image) first when missing. */
export async function ensureSshdImage(options: ImageOptions = {}): Promise<string> {
  const docker = options.docker ?? (await connectEngine());
  const labDir = options.labDir ?? LAB_DIR;
  const onProgress = options.onProgress ?? (() => {});
  const base = await ensureBaseImage({ ...options, docker, labDir, onProgress });
  const files = await readRecipe(path.join(labDir, 'sshd'));
  const tag = `${SSHD_REPOSITORY}:${recipeHash([base], files)}`;
  return cachedImage(docker, tag, 'sshd node image', () => build(docker, tag, base, files, onProgress), onProgress);
}
