/**
 * The lab's offline package mirror: a directory of wheels (the real `ray[default]` and its
 * dependencies from PyPI, the real model hub clients `modelscope` and `huggingface_hub` with theirs,
 * plus the lab's `vllm` stand-in built from lab/vllm) and the Miniforge installer stand-in
 * (lab/conda) with its .sha256. Nodes mount it read-only at /opt/lab/wheelhouse
 * with pip set to `no-index` + `find-links`; the lab serves it over HTTP for the conda installer.
 *
 * Made once on the host, with the host's pip (`pip download --only-binary=:all: --platform ...`
 * for CPython 3.11 on glibc 2.36, i.e. Debian bookworm), and cached outside the repository under
 * $PLAYBOOK_LAB_CACHE (default ~/.cache/playbook-engine)/wheelhouse/: the downloaded wheels of each
 * group of requirements (downloadGroups(): `ray`, `hub`) in <group>-<key of its requirements and
 * tags>/, each resolved by its own `pip download`, and the wheelhouse itself in <key>/, where the
 * key hashes every input (the groups' download keys, the vllm stand-in's sources, the conda
 * installer); its wheels are hard links to the downloaded ones, so a change to lab/vllm costs a
 * wheel build, not a download, and a change to one group's requirements downloads that group only.
 * Two groups may bring the same wheel (requests, packaging, ...): the wheelhouse keeps one file.
 * Each directory is built under a temporary name and renamed into place when complete, so an
 * interrupted download never looks complete; concurrent builders race harmlessly (one rename wins).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { LAB_DIR } from '../docker/recipe.js';
import { runHostCommand as run } from './host-command.js';

/** The Ray the guide pins, with the dashboard/agent extras a cluster needs. */
export const RAY_REQUIREMENT = 'ray[default]==2.53.0';
/**
 * The model hub clients the model-sync role uses (`modelscope download`, `hf download`,
 * snapshot_download), pinned. No extras: modelscope's download path needs only modelscope-hub,
 * requests, tqdm, filelock, urllib3, cryptography, setuptools and packaging (its framework extras
 * pull torch and the like); huggingface_hub needs httpx2, hf-xet (x86_64), fsspec, pyyaml, click.
 */
export const HUB_CLIENT_REQUIREMENTS = ['modelscope==1.40.2', 'huggingface_hub==2.4.0'] as const;
/** The nodes' Python (Debian bookworm's python3). */
export const NODE_PYTHON_VERSION = '3.11';
/**
 * Platform tags for wheels that install on bookworm (x86_64, glibc 2.36). pip accepts a wheel when
 * any of its tags is listed and does not widen manylinux_2_X by itself, so every glibc level that
 * today's wheels use is named, from the legacy aliases up to bookworm's own.
 */
export const NODE_PLATFORMS = [
  'manylinux2014_x86_64',
  'manylinux_2_17_x86_64',
  'manylinux_2_24_x86_64',
  'manylinux_2_27_x86_64',
  'manylinux_2_28_x86_64',
  'manylinux_2_31_x86_64',
  'manylinux_2_34_x86_64',
  'manylinux_2_35_x86_64',
  'manylinux_2_36_x86_64',
] as const;
export const CONDA_INSTALLER_NAME = 'Miniforge3-Linux-x86_64.sh';
/** Bump when the layout of the directory changes. */
const FORMAT = 1;


export interface WheelhouseOptions {
  /** Progress lines (download start, one per wheel, build, done). */
  onProgress?: (line: string) => void;
  /** Cache root; default $PLAYBOOK_LAB_CACHE, else ~/.cache/playbook-engine. */
  cacheDir?: string;
  /** The host's Python with pip; default $PLAYBOOK_LAB_PYTHON, else python3. */
  python?: string;
  /** lab/ to take the vllm and conda stand-ins from; default this package's. */
  labDir?: string;
  /** The Ray requirement to download; default RAY_REQUIREMENT. */
  requirement?: string;
  /** The hub clients to download (their own group); default HUB_CLIENT_REQUIREMENTS, [] for none. */
  hubRequirements?: readonly string[];
  signal?: AbortSignal;
}

export interface WheelhouseManifest {
  format: number;
  key: string;
  requirement: string;
  /** Every requirement the wheels were downloaded for, group by group. */
  requirements?: string[];
  pythonVersion: string;
  platforms: string[];
  created: string;
  seconds: number;
  bytes: number;
  files: { name: string; bytes: number }[];
}

export function cacheRoot(cacheDir?: string): string {
  return cacheDir ?? process.env['PLAYBOOK_LAB_CACHE'] ?? path.join(homedir(), '.cache', 'playbook-engine');
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === '__pycache__' || e.name === 'build' || e.name === 'dist' || e.name.endsWith('.egg-info')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full, base)));
    else if (e.isFile()) out.push(path.relative(base, full));
  }
  return out.sort();
}

/**
 * The key of one group's downloaded wheels (the slow part, shared by every lab/ version). A group
 * of one requirement keeps the key it had when the wheelhouse was Ray alone.
 */
export function downloadKey(requirements: string | readonly string[] = RAY_REQUIREMENT): string {
  const requirement = typeof requirements === 'string' ? requirements : requirements.join(' ');
  return createHash('sha256')
    .update(JSON.stringify({ format: FORMAT, requirement, python: NODE_PYTHON_VERSION, platforms: NODE_PLATFORMS }))
    .digest('hex')
    .slice(0, 16);
}

export interface DownloadGroup {
  /** The cache directory's prefix: <name>-<downloadKey>. */
  name: string;
  requirements: readonly string[];
  /** For the progress line. */
  about: string;
}

/** The groups of wheels downloaded, each resolved on its own: Ray first, then the hub clients. */
export function downloadGroups(options: Pick<WheelhouseOptions, 'requirement' | 'hubRequirements'> = {}): DownloadGroup[] {
  const groups: DownloadGroup[] = [{ name: 'ray', requirements: [options.requirement ?? RAY_REQUIREMENT], about: 'about 100 MB' }];
  const hub = options.hubRequirements ?? HUB_CLIENT_REQUIREMENTS;
  if (hub.length > 0) groups.push({ name: 'hub', requirements: [...hub], about: 'about 20 MB' });
  return groups;
}

/** The cache key: a hash of everything the directory is made from. */
export async function wheelhouseKey(options: Pick<WheelhouseOptions, 'labDir' | 'requirement' | 'hubRequirements'> = {}): Promise<string> {
  const labDir = options.labDir ?? LAB_DIR;
  const h = createHash('sha256');
  const [ray, ...others] = downloadGroups(options);
  h.update(downloadKey(ray?.requirements ?? RAY_REQUIREMENT));
  for (const group of others) h.update(`\0${group.name}:${downloadKey(group.requirements)}`);
  const vllmDir = path.join(labDir, 'vllm');
  for (const rel of await listFiles(vllmDir)) {
    h.update(`\0vllm/${rel}\0`);
    h.update(await readFile(path.join(vllmDir, rel)));
  }
  for (const name of [CONDA_INSTALLER_NAME, `${CONDA_INSTALLER_NAME}.sha256`]) {
    h.update(`\0conda/${name}\0`);
    h.update(await readFile(path.join(labDir, 'conda', name)));
  }
  return h.digest('hex').slice(0, 16);
}

/** pip's interesting lines, shortened for a progress display. */
export function pipProgressLine(line: string): string | undefined {
  const t = line.trim();
  let m = /^(?:Downloading|Using cached) (\S+?)(?: \(([^)]+)\))?$/.exec(t);
  if (m) return `  ${(m[1] ?? '').split('/').pop() ?? ''}${m[2] ? ` (${m[2]})` : ''}`;
  m = /^Successfully downloaded (.*)$/.exec(t);
  if (m) return `  downloaded ${(m[1] ?? '').split(' ').length} packages`;
  if (/^(ERROR|error):/.test(t)) return t;
  return undefined;
}

async function dirBytes(dir: string): Promise<{ files: { name: string; bytes: number }[]; bytes: number }> {
  const files: { name: string; bytes: number }[] = [];
  let bytes = 0;
  for (const name of (await readdir(dir)).sort()) {
    const s = await stat(path.join(dir, name));
    if (!s.isFile()) continue;
    files.push({ name, bytes: s.size });
    bytes += s.size;
  }
  return { files, bytes };
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

async function removeStale(root: string): Promise<void> {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith('.tmp-')) continue;
    const s = await stat(path.join(root, name)).catch(() => undefined);
    if (s && s.mtimeMs < dayAgo) await rm(path.join(root, name), { recursive: true, force: true });
  }
}

/** Moves a complete temporary directory into place; a concurrent builder that won keeps its copy. */
async function publish(tmp: string, final: string, marker: string): Promise<void> {
  try {
    await rename(tmp, final);
  } catch (e) {
    if (existsSync(path.join(final, marker))) return;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    // A leftover without its marker (never complete): replace it.
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
  }
}

/** Hard-links (or copies, across file systems) a file; one already there (a wheel two groups share) stays. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  if (existsSync(to)) return;
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/** Downloads a group's wheels once: root/<group>-<downloadKey>/ with a DONE marker. */
async function ensureDownloaded(root: string, group: DownloadGroup, python: string, progress: (line: string) => void, signal?: AbortSignal): Promise<string> {
  const final = path.join(root, `${group.name}-${downloadKey(group.requirements)}`);
  if (existsSync(path.join(final, 'DONE'))) return final;
  const tmp = path.join(root, `.tmp-${group.name}-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(tmp, { recursive: true });
  const requirement = group.requirements.join(' ');
  try {
    progress(`downloading ${requirement} and ${group.requirements.length === 1 ? 'its' : 'their'} dependencies as wheels (${group.about}, once)…`);
    const platformArgs = NODE_PLATFORMS.flatMap((p) => ['--platform', p]);
    const download = await run(
      python,
      ['-m', 'pip', 'download', ...group.requirements, '--only-binary=:all:', '--python-version', NODE_PYTHON_VERSION, '--implementation', 'cp', ...platformArgs, '--progress-bar', 'off', '--disable-pip-version-check', '-d', tmp],
      (line) => {
        const p = pipProgressLine(line);
        if (p) progress(p);
      },
      signal,
    );
    if (download.code !== 0) throw new Error(`pip download ${requirement} failed (exit ${download.code}):\n${download.tail.join('\n')}`);
    await writeFile(path.join(tmp, 'DONE'), `${requirement}\n`);
    await publish(tmp, final, 'DONE');
    return final;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Makes (once) and returns the wheelhouse directory for the current inputs. */
export async function ensureWheelhouse(options: WheelhouseOptions = {}): Promise<string> {
  const progress = options.onProgress ?? (() => undefined);
  const labDir = options.labDir ?? LAB_DIR;
  const requirement = options.requirement ?? RAY_REQUIREMENT;
  const groups = downloadGroups(options);
  const python = options.python ?? process.env['PLAYBOOK_LAB_PYTHON'] ?? 'python3';
  const root = path.join(cacheRoot(options.cacheDir), 'wheelhouse');
  const key = await wheelhouseKey({ labDir, requirement, ...(options.hubRequirements ? { hubRequirements: options.hubRequirements } : {}) });
  const final = path.join(root, key);
  if (existsSync(path.join(final, 'wheelhouse.json'))) return final;

  await mkdir(root, { recursive: true });
  await removeStale(root);
  const started = Date.now();
  const downloaded: string[] = [];
  for (const group of groups) downloaded.push(await ensureDownloaded(root, group, python, progress, options.signal));
  const tmp = path.join(root, `.tmp-${key}-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(tmp, { recursive: true });
  try {
    for (const dir of downloaded) for (const name of await readdir(dir)) if (name.endsWith('.whl')) await linkOrCopy(path.join(dir, name), path.join(tmp, name));

    progress('building the vllm stand-in wheel from lab/vllm…');
    // Built from a copy: setuptools writes build/ and *.egg-info next to the sources it builds.
    const src = path.join(tmpdir(), `playbook-vllm-src-${process.pid}-${Date.now().toString(36)}`);
    await cp(path.join(labDir, 'vllm'), src, { recursive: true, filter: (s) => !/(__pycache__|\.egg-info|[/\\]build|[/\\]dist)$/.test(s) });
    try {
      const wheel = await run(python, ['-m', 'pip', 'wheel', src, '--no-deps', '--progress-bar', 'off', '--disable-pip-version-check', '-w', tmp], () => undefined, options.signal);
      if (wheel.code !== 0) throw new Error(`pip wheel lab/vllm failed (exit ${wheel.code}):\n${wheel.tail.join('\n')}`);
    } finally {
      await rm(src, { recursive: true, force: true });
    }

    for (const name of [CONDA_INSTALLER_NAME, `${CONDA_INSTALLER_NAME}.sha256`]) await copyFile(path.join(labDir, 'conda', name), path.join(tmp, name));

    const { files, bytes } = await dirBytes(tmp);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const manifest: WheelhouseManifest = {
      format: FORMAT,
      key,
      requirement,
      requirements: groups.flatMap((g) => [...g.requirements]),
      pythonVersion: NODE_PYTHON_VERSION,
      platforms: [...NODE_PLATFORMS],
      created: new Date().toISOString(),
      seconds,
      bytes,
      files,
    };
    // Written last: its presence is what "complete" means.
    await writeFile(path.join(tmp, 'wheelhouse.json'), JSON.stringify(manifest, null, 2) + '\n');
    await publish(tmp, final, 'wheelhouse.json');
    progress(`wheelhouse ready: ${files.length} files, ${mb(bytes)}, in ${seconds}s (${final})`);
    return final;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The manifest of a made wheelhouse. */
export async function readWheelhouseManifest(dir: string): Promise<WheelhouseManifest> {
  return JSON.parse(await readFile(path.join(dir, 'wheelhouse.json'), 'utf8')) as WheelhouseManifest;
}
