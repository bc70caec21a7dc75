/**
 * The SSH node image: the base image plus the files of lab/sshd/ (Dockerfile, sshd settings, the
 * entrypoint that makes each container's host key), built with the engine's builder from an
 * in-memory context, tagged playbook-lab/sshd:<hash of the base tag and those files>.
 */
import path from 'node:path';
import { ensureBaseImage } from './base-image.js';
import { connectEngine } from './engine.js';
import { type ImageOptions, buildLayer, cachedImage } from './images.js';
import { LAB_DIR, readRecipe, recipeHash } from './recipe.js';

export const SSHD_REPOSITORY = 'playbook-lab/sshd';
/** The login user of the node image (uid and gid 1000), with passwordless sudo. */
export const NODE_USER = 'playbook';
export const NODE_UID = 1000;
/** The host key sshd offers; the entrypoint generates it at the container's first start. */
export const HOST_KEY_PUB = '/etc/ssh/ssh_host_ed25519_key.pub';

/** The sshd node image's tag, building it (and the base image) first when missing. */
export async function ensureSshdImage(options: ImageOptions = {}): Promise<string> {
  const docker = options.docker ?? (await connectEngine());
  const labDir = options.labDir ?? LAB_DIR;
  const onProgress = options.onProgress ?? (() => {});
  const base = await ensureBaseImage({ ...options, docker, labDir, onProgress });
  const files = await readRecipe(path.join(labDir, 'sshd'));
  const tag = `${SSHD_REPOSITORY}:${recipeHash([base], files)}`;
  return cachedImage(docker, tag, 'sshd node image', () => buildLayer(docker, { tag, base, files, kind: 'sshd', what: 'sshd node image' }, onProgress), onProgress);
}
