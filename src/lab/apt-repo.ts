/**
 * The lab's apt repository (the intranet mirror's Debian half): the packages of lab/apt/packages.txt
 * with every dependency the node image does not already have, downloaded once on this machine by
 * apt-get (its own configuration: the base image's Debian sources, the node image's dpkg status, so
 * that apt picks exactly what a node would install) and written as a flat repository (Packages,
 * Release) that the mirror serves at http://mirror.lab:8080/debian/.
 *
 * Cached under $PLAYBOOK_LAB_CACHE (default ~/.cache/playbook-engine)/apt-repo/<key>/, where the key
 * hashes the node image, the package list and the sources; built under a temporary name and renamed
 * into place when complete, so an interrupted build never looks complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { parsePackageList } from '../docker/base-image.js';
import { ContainerBuilder } from '../docker/container.js';
import { debianSources } from '../docker/debian-mirror.js';
import { removeScope } from '../docker/labels.js';
import { LAB_DIR } from '../docker/recipe.js';
import { runHostCommand } from './host-command.js';
import { cacheRoot } from './wheelhouse.js';

/** Where the nodes find the repository (their /etc/apt/sources.list names it). */
export const APT_REPO_PATH = 'debian';
/** Bump when the layout of the directory changes. */
const FORMAT = 1;

export interface AptRepoOptions {
  docker: Docker;
  /** The node image: its dpkg status says what the nodes have already. */
  nodeImage: string;
  onProgress?: (line: string) => void;
  cacheDir?: string;
  labDir?: string;
}

async function packageList(labDir: string): Promise<string[]> {
  const packages = parsePackageList(await readFile(path.join(labDir, 'apt', 'packages.txt'), 'utf8'));
  if (packages.length === 0) throw new Error(`${labDir}/apt/packages.txt lists no packages`);
  return packages;
}

/** The node image's /var/lib/dpkg/status, read from a throwaway container of it. */
async function imageDpkgStatus(docker: Docker, image: string): Promise<string> {
  const scope = `lab-apt-status-${randomBytes(4).toString('hex')}`;
  try {
    const c = await new ContainerBuilder(image).withScope(scope).withEntrypoint(['sleep', 'infinity']).start(docker);
    const r = await c.exec(['cat', '/var/lib/dpkg/status']);
    if (r.rc !== 0) throw new Error(`cannot read the node image's dpkg status: ${r.stderr.trim()}`);
    return r.stdout;
  } finally {
    await removeScope(scope, docker);
  }
}

/** A Packages stanza for one .deb: its control fields, then where it is and its size and hashes. */
async function packagesStanza(dir: string, file: string): Promise<string> {
  const lines: string[] = [];
  const control = await runHostCommand('dpkg-deb', ['-f', path.join(dir, file)], (l) => lines.push(l));
  if (control.code !== 0) throw new Error(`dpkg-deb -f ${file} failed: ${control.tail.join('\n')}`);
  const data = await readFile(path.join(dir, file));
  const hash = (algorithm: string): string => createHash(algorithm).update(data).digest('hex');
  const fields = lines.filter((l) => l.trim() !== '').join('\n');
  return `${fields}\nFilename: ./${file}\nSize: ${data.length}\nMD5sum: ${hash('md5')}\nSHA256: ${hash('sha256')}\n`;
}

/** The Release file of a flat repository: its index files with their sizes and hashes. */
function releaseFile(index: Buffer): string {
  const hash = (algorithm: string): string => createHash(algorithm).update(index).digest('hex');
  return [
    'Origin: playbook-lab',
    'Label: playbook-lab',
    'Suite: lab',
    'Codename: lab',
    `Date: ${new Date().toUTCString()}`,
    'Architectures: amd64 all',
    'Description: the lab mirror: packages the nodes lack, with their dependencies',
    'MD5Sum:',
    ` ${hash('md5')} ${index.length} Packages`,
    'SHA256:',
    ` ${hash('sha256')} ${index.length} Packages`,
    '',
  ].join('\n');
}

/** The repository's directory, building it first when the cache does not have it. */
export async function ensureAptRepo(options: AptRepoOptions): Promise<string> {
  const onProgress = options.onProgress ?? (() => {});
  const labDir = options.labDir ?? LAB_DIR;
  const packages = await packageList(labDir);
  const sources = debianSources('bookworm');
  const key = createHash('sha256').update(JSON.stringify({ format: FORMAT, image: options.nodeImage, packages, sources })).digest('hex').slice(0, 16);
  const root = path.join(cacheRoot(options.cacheDir), 'apt-repo');
  const dir = path.join(root, key);
  if (existsSync(path.join(dir, 'Release'))) return dir;
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(path.join(root, `.build-${key}-`));
  try {
    onProgress(`apt repository: ${packages.join(', ')} and what they need from ${sources[0]?.split(' ')[1] ?? 'Debian'}…`);
    await mkdir(path.join(work, 'state', 'lists', 'partial'), { recursive: true });
    await mkdir(path.join(work, 'cache', 'archives', 'partial'), { recursive: true });
    await mkdir(path.join(work, 'repo'));
    await writeFile(path.join(work, 'sources.list'), sources.join('\n') + '\n');
    await writeFile(path.join(work, 'status'), await imageDpkgStatus(options.docker, options.nodeImage));
    const apt = [
      '-o', `Dir::Etc::SourceList=${path.join(work, 'sources.list')}`,
      '-o', 'Dir::Etc::SourceParts=/nonexistent',
      '-o', 'Dir::Etc::PreferencesParts=/nonexistent',
      '-o', `Dir::State=${path.join(work, 'state')}`,
      '-o', `Dir::State::status=${path.join(work, 'status')}`,
      '-o', `Dir::Cache=${path.join(work, 'cache')}`,
      '-o', 'Debug::NoLocking=1',
      '-o', 'APT::Architecture=amd64',
      '-o', 'Acquire::Languages=none',
      '-o', 'APT::Sandbox::User=root',
    ];
    const run = async (args: string[], what: string): Promise<void> => {
      const r = await runHostCommand('apt-get', [...apt, ...args], (l) => {
        if (/^(Get|Err):/.test(l)) onProgress(`  ${l}`);
      });
      if (r.code !== 0) throw new Error(`apt-get ${what} for the lab's apt repository failed (exit ${r.code}):\n${r.tail.join('\n')}`);
    };
    await run(['-q', 'update'], 'update');
    await run(['-q', '-y', '--download-only', '--no-install-recommends', 'install', ...packages], 'install --download-only');
    const archives = path.join(work, 'cache', 'archives');
    const debs = (await readdir(archives)).filter((f) => f.endsWith('.deb')).sort();
    if (debs.length === 0) throw new Error(`apt-get downloaded nothing for ${packages.join(', ')}: does the node image have them all already?`);
    for (const deb of debs) await rename(path.join(archives, deb), path.join(work, 'repo', deb));
    const index = Buffer.from((await Promise.all(debs.map((d) => packagesStanza(path.join(work, 'repo'), d)))).join('\n'));
    await writeFile(path.join(work, 'repo', 'Packages'), index);
    await writeFile(path.join(work, 'repo', 'Release'), releaseFile(index));
    const bytes = (await Promise.all(debs.map(async (d) => (await stat(path.join(work, 'repo', d))).size))).reduce((a, b) => a + b, 0);
    await rename(path.join(work, 'repo'), dir).catch(async (e: unknown) => {
      // Another builder finished first: its directory is as good as ours.
      if (!existsSync(path.join(dir, 'Release'))) throw e;
    });
    onProgress(`apt repository ready: ${debs.length} packages, ${(bytes / 1e6).toFixed(1)} MB in ${dir}`);
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
