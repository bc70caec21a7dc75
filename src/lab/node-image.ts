/**
 * The GPU node image: the sshd node image plus lab/node/ (Dockerfile, entrypoint, network setup,
 * pip settings) and lab/standins/ (nvidia-smi, seed-model), built with the engine's builder from an
 * in-memory context and tagged playbook-lab/node:<hash of the sshd tag and those files>. A change
 * to any of them (or to lab/base, lab/sshd, through the sshd tag) gives a new tag, hence a rebuild.
 */
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { connectEngine } from '../docker/engine.js';
import { type ImageOptions, cachedImage } from '../docker/images.js';
import { followJsonStream } from '../docker/json-stream.js';
import { MANAGED_LABEL } from '../docker/labels.js';
import { LAB_DIR, type RecipeFile, readRecipe, recipeHash } from '../docker/recipe.js';
import { buildContext, ensureSshdImage } from '../docker/sshd-image.js';

export const NODE_REPOSITORY = 'playbook-lab/node';

/** The recipe: lab/node/* as node/*, lab/standins/* as standins/* (the Dockerfile's paths). */
export async function nodeRecipe(labDir = LAB_DIR): Promise<RecipeFile[]> {
  const prefixed = async (sub: string): Promise<RecipeFile[]> => (await readRecipe(path.join(labDir, sub))).map((f) => ({ ...f, name: `${sub}/${f.name}` }));
  const files = [...(await prefixed('node')), ...(await prefixed('standins'))].filter((f) => !f.name.includes('__pycache__/'));
  const dockerfile = files.find((f) => f.name === 'node/Dockerfile');
  if (!dockerfile) throw new Error(`${labDir}/node/Dockerfile is missing`);
  return [{ ...dockerfile, name: 'Dockerfile' }, ...files.filter((f) => f !== dockerfile)];
}

async function build(docker: Docker, tag: string, base: string, files: readonly RecipeFile[], onProgress: (line: string) => void): Promise<void> {
  onProgress(`building GPU node image ${tag} on ${base}…`);
  const stream = await docker.buildImage(Readable.from([buildContext(files)]), {
    t: tag,
    buildargs: { BASE: base },
    labels: { [MANAGED_LABEL]: 'true', 'dev.playbook.image': 'node' },
    rm: true,
    forcerm: true,
  });
  await followJsonStream(stream, (m) => {
    const line = m.stream?.trim();
    if (line && /^Step \d+\/\d+/.test(line)) onProgress(`  ${line}`);
  });
}

/** The node image's tag, building it (and the base and sshd images) first when missing. */
export async function ensureNodeImage(options: ImageOptions = {}): Promise<string> {
  const docker = options.docker ?? (await connectEngine());
  const labDir = options.labDir ?? LAB_DIR;
  const onProgress = options.onProgress ?? (() => {});
  const sshd = await ensureSshdImage({ ...options, docker, labDir, onProgress });
  const files = await nodeRecipe(labDir);
  const tag = `${NODE_REPOSITORY}:${recipeHash([sshd], files)}`;
  return cachedImage(docker, tag, 'GPU node image', () => build(docker, tag, sshd, files, onProgress), onProgress);
}
