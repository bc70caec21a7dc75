/**
 * The lab's files on the controller, in one directory per lab:
 *   $PLAYBOOK_LAB_HOME/NAME/ or, by default, ~/.cache/playbook-engine/labs/NAME/ (XDG_CACHE_HOME
 *   respected), next to the project's other caches (the ansible venv).
 * It holds the SSH key pair (made once, kept across `lab up`), known_hosts (rewritten at each
 * `lab up` from the host keys the nodes report), inventory.ini, and lab.json (the settings of the
 * last `lab up`, so a bare `lab up` brings back the same lab). `lab down` removes the directory.
 * The Docker resources themselves are found by their labels, never through these files.
 */
import { chmod, mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { type HubModel, checkLabName } from './names.js';

export interface LabPaths {
  dir: string;
  privateKey: string;
  publicKey: string;
  knownHosts: string;
  inventory: string;
  settings: string;
}

/** What `lab up` was last asked for. */
/** How a node boots: systemd as PID 1, as a server does, or the plain entrypoint (hosts without systemd). */
export type LabInit = 'systemd' | 'plain';

export interface LabSettings {
  nodes: number;
  /** Absent in a lab.json written before nodes could boot systemd: the default then applies. */
  init?: LabInit;
  gpusPerNode: number;
  nicNames: string[];
  /** /dev/shm of each node, MiB. */
  shmSizeMb: number;
  /** The mirror's wheelhouse as asked: 'default' (ensureWheelhouse), a directory, or null (no mirror). */
  wheelhouse: string | null;
  /** The directory the mirror serves (the default wheelhouse resolved), or null. */
  wheelhouseDir: string | null;
  /** The models the mirror's hub serves; absent in a lab.json written before the hub: the default. */
  hubModels?: HubModel[];
}

export function labsRoot(env: NodeJS.ProcessEnv = process.env): string {
  const own = env['PLAYBOOK_LAB_HOME'];
  if (own) return path.resolve(own);
  const cache = env['XDG_CACHE_HOME'] || path.join(homedir(), '.cache');
  return path.join(cache, 'playbook-engine', 'labs');
}

export function labPaths(name: string, root = labsRoot()): LabPaths {
  const dir = path.join(root, checkLabName(name));
  // ssh reads UserKnownHostsFile as a list separated by spaces, so the path cannot have any.
  if (/\s/.test(dir)) throw new Error(`the lab's state directory '${dir}' contains white space, which ssh options cannot carry: set PLAYBOOK_LAB_HOME to a path without it`);
  return {
    dir,
    privateKey: path.join(dir, 'id_ed25519'),
    publicKey: path.join(dir, 'id_ed25519.pub'),
    knownHosts: path.join(dir, 'known_hosts'),
    inventory: path.join(dir, 'inventory.ini'),
    settings: path.join(dir, 'lab.json'),
  };
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export async function writeAtomic(file: string, data: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The lab's public key line, making the key pair (ed25519, OpenSSH format) the first time. */
export async function ensureLabKey(paths: LabPaths, name: string): Promise<string> {
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const existing = await readText(paths.publicKey);
  if (existing?.startsWith('ssh-ed25519 ') && (await readText(paths.privateKey)) !== undefined) return existing.trim();
  const { utils } = (await import('ssh2')).default;
  // ssh2 strips a public key's leading zero bytes, so about one ed25519 pair in 256 comes out
  // malformed (31 bytes) and no client accepts it (mscdex/ssh2#1390): draw again until both parse.
  let pair = utils.generateKeyPairSync('ed25519', { comment: `playbook-lab-${name}` });
  for (let i = 0; i < 16 && (utils.parseKey(pair.private) instanceof Error || utils.parseKey(pair.public) instanceof Error); i++) {
    pair = utils.generateKeyPairSync('ed25519', { comment: `playbook-lab-${name}` });
  }
  await writeAtomic(paths.privateKey, pair.private.endsWith('\n') ? pair.private : pair.private + '\n', 0o600);
  await writeAtomic(paths.publicKey, pair.public.trim() + '\n', 0o644);
  return pair.public.trim();
}

function isSettings(v: unknown): v is LabSettings {
  const s = v as Partial<LabSettings> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.nodes === 'number' &&
    typeof s.gpusPerNode === 'number' &&
    Array.isArray(s.nicNames) &&
    s.nicNames.every((n) => typeof n === 'string') &&
    typeof s.shmSizeMb === 'number' &&
    (s.init === undefined || s.init === 'systemd' || s.init === 'plain') &&
    (s.wheelhouse === null || typeof s.wheelhouse === 'string') &&
    (s.wheelhouseDir === null || typeof s.wheelhouseDir === 'string')
  );
}

export async function readSettings(paths: LabPaths): Promise<LabSettings | undefined> {
  const text = await readText(paths.settings);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isSettings(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export async function writeSettings(paths: LabPaths, settings: LabSettings): Promise<void> {
  await writeAtomic(paths.settings, JSON.stringify(settings, null, 2) + '\n');
}

export async function removeLabFiles(paths: LabPaths): Promise<void> {
  await rm(paths.dir, { recursive: true, force: true });
}
