/**
 * The GPU node image: the sshd node image plus lab/node/ (Dockerfile, entrypoint, network setup,
 * pip settings) and lab/standins/ (nvidia-smi, seed-model), built with the engine's builder from an
 * in-memory context and tagged playbook-lab/node:<hash of the sshd tag and those files>. A change
 * to any of them (or to lab/base, lab/sshd, through the sshd tag) gives a new tag, hence a rebuild.
 */
import path from 'node:path';
import { connectEngine } from '../docker/engine.js';
import { type ImageOptions, buildLayer, cachedImage } from '../docker/images.js';
import { LAB_DIR, type RecipeFile, readRecipe, recipeHash } from '../docker/recipe.js';
import { ensureSshdImage } from '../docker/sshd-image.js';

export const NODE_REPOSITORY = 'playbook-lab/node';

/** The recipe: lab/node/* as node/*, lab/standins/* as standins/* (the Dockerfile's paths). */
export async function nodeRecipe(labDir = LAB_DIR): Promise<RecipeFile[]> {
  const prefixed = async (sub: string): Promise<RecipeFile[]> => (await readRecipe(path.join(labDir, sub))).map((f) => ({ ...f, name: `${sub}/${f.name}` }));
  const files = [...(await prefixed('node')), ...(await prefixed('standins'))].filter((f) => !f.name.includes('__pycache__/'));
  const dockerfile = files.find((f) => f.name === 'node/Dockerfile');
  if (!dockerfile) throw new Error(`${labDir}/node/Dockerfile is missing`);
  return [{ ...dockerfile, name: 'Dockerfile' }, ...files.filter((f) => f !== dockerfile)];
}

/** The node image's tag, building it (and the base and sshd images) first when missing. */
export async function ensureNodeImage(options: ImageOptions = {}): Promise<string> {
  const docker = options.docker ?? (await connectEngine());
  const labDir = options.labDir ?? LAB_DIR;
  const onProgress = options.onProgress ?? (() => {});
  const sshd = await ensureSshdImage({ ...options, docker, labDir, onProgress });
  const files = await nodeRecipe(labDir);
  const tag = `${NODE_REPOSITORY}:${recipeHash([sshd], files)}`;
  return cachedImage(docker, tag, 'GPU node image', () => buildLayer(docker, { tag, base: sshd, files, kind: 'node', what: 'GPU node image' }, onProgress), onProgress);
}
