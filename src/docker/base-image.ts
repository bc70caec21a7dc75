/**
 * The lab's base image: a Debian root filesystem built with mmdebstrap from lab/base/packages.txt
 * and the hook lab/base/customize.sh, imported into the engine (no registry is ever pulled from),
 * tagged playbook-lab/base:<hash of suite, options and recipe files>. Built once, then reused.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { quote } from '../python/shlex.js';
import { debianSources } from './debian-mirror.js';
import { connectEngine } from './engine.js';
import { type ImageOptions, cachedImage, megabytes } from './images.js';
import { followJsonStream } from './json-stream.js';
import { MANAGED_LABEL } from './labels.js';
import { LAB_DIR, readRecipe, recipeHash } from './recipe.js';

export const BASE_REPOSITORY = 'playbook-lab/base';
export const BASE_SUITE = 'bookworm';

/** mmdebstrap options besides the package list and the hook; part of the tag's hash. */
const MMDEBSTRAP_OPTIONS = [
  '--variant=minbase',
  // merged /usr through mmdebstrap's own hook, instead of the usrmerge package (which pulls in perl)
  '--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr',
  '--aptopt=APT::Install-Recommends "false"',
  '--dpkgopt=path-exclude=/usr/share/man/*',
  '--dpkgopt=path-exclude=/usr/share/info/*',
  '--dpkgopt=path-exclude=/usr/share/doc/*',
  '--dpkgopt=path-include=/usr/share/doc/*/copyright',
  '--dpkgopt=path-exclude=/usr/share/locale/*',
  '--dpkgopt=path-include=/usr/share/locale/locale.alias',
];

/** Settings the imported root filesystem gets as image configuration. */
const IMAGE_CHANGES = [
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'ENV LANG=en_US.UTF-8',
  `LABEL ${MANAGED_LABEL}=true dev.playbook.image=base`,
  'CMD ["/bin/bash"]',
];

/** The package names of lab/base/packages.txt (comments and blank lines dropped). */
export function parsePackageList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** The tag the current recipe builds: playbook-lab/base:<16 hex digits>. */
export async function baseImageTag(labDir = LAB_DIR): Promise<string> {
  const files = await readRecipe(path.join(labDir, 'base'));
  return `${BASE_REPOSITORY}:${recipeHash([BASE_SUITE, ...MMDEBSTRAP_OPTIONS, ...IMAGE_CHANGES], files)}`;
}

/** Runs mmdebstrap; its "I:" lines go to onProgress, the tail of its output into the error. */
function mmdebstrap(args: string[], onProgress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mmdebstrap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    const take = (d: Buffer): void => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (line.startsWith('I: ')) onProgress(`  mmdebstrap: ${line.slice(3)}`);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'mmdebstrap is not installed: run `sudo bash scripts/ensure-docker.sh` (or apt-get install mmdebstrap)' : `cannot run mmdebstrap: ${e.message}`;
      reject(new Error(why, { cause: e }));
    });
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`mmdebstrap failed (exit ${String(code)}):\n${[...tail, partial].join('\n').trim()}`));
    });
  });
}

async function buildBase(docker: Docker, tag: string, labDir: string, onProgress: (line: string) => void): Promise<void> {
  const recipe = path.join(labDir, 'base');
  const packages = parsePackageList((await readRecipe(recipe)).find((f) => f.name === 'packages.txt')?.data.toString('utf8') ?? '');
  if (packages.length === 0) throw new Error(`${recipe}/packages.txt lists no packages`);
  const sources = debianSources(BASE_SUITE);
  const work = await mkdtemp(path.join(tmpdir(), 'playbook-base-'));
  const rootfs = path.join(work, 'rootfs.tar');
  try {
    onProgress(`building base image ${tag} with mmdebstrap (about a minute): Debian ${BASE_SUITE}, ${packages.length} packages from ${sources[0]?.split(' ')[1] ?? '?'}…`);
    const args = [...MMDEBSTRAP_OPTIONS, `--include=${packages.join(',')}`, `--customize-hook=sh ${quote(path.join(recipe, 'customize.sh'))} "$1"`, BASE_SUITE, rootfs, ...sources];
    await mmdebstrap(args, onProgress);
    onProgress(`importing the root filesystem (${megabytes((await stat(rootfs)).size)}) into the engine…`);
    const [repo = BASE_REPOSITORY, version = 'latest'] = tag.split(':');
    const stream = await docker.importImage(rootfs, { repo, tag: version, changes: IMAGE_CHANGES });
    await followJsonStream(stream);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The base image's tag, building it first when the engine does not have it. */
export async function ensureBaseImage(options: ImageOptions = {}): Promise<string> {
  const docker = options.docker ?? (await connectEngine());
  const labDir = options.labDir ?? LAB_DIR;
  const onProgress = options.onProgress ?? (() => {});
  const tag = await baseImageTag(labDir);
  return cachedImage(docker, tag, 'base image', () => buildBase(docker, tag, labDir, onProgress), onProgress);
}
