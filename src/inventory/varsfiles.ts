/**
 * group_vars/ and host_vars/ (Ansible's host_group_vars plugin): for an entity `name` under a base
 * directory, the first of `<name>`, `<name>.yml`, `<name>.yaml`, `<name>.json` that exists is used;
 * a directory `<name>/` contributes all its files (no extension or one of those three), recursing
 * into extension-less subdirectories, in sorted order, skipping hidden files and backups (`~`).
 * Empty files count as nothing; anything but a mapping is an error.
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isDict } from '../python/values.js';
import { parseDataText } from './datafile.js';
import { InventoryError, displayPath } from './errors.js';
import { compareText, type Vars } from './model.js';

export type VarsKind = 'group' | 'host';

export interface VarLayer {
  /** Where the variables come from: a file path, or a description of the inventory entry. */
  source: string;
  vars: Vars;
}

const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

/** The files that hold `name`'s variables under `baseDir/group_vars` (or host_vars), in load order. */
export function findVarsFiles(baseDir: string, kind: VarsKind, name: string): string[] {
  // Entity names that look like absolute paths (chroot hosts) never get vars files.
  if (name.startsWith(path.sep)) return [];
  const dir = path.join(baseDir, `${kind}_vars`);
  if (!isDirectory(dir)) return [];
  const stem = path.join(dir, name);
  for (const extension of ['', ...VARS_EXTENSIONS]) {
    const candidate = stem + extension;
    if (!existsSync(candidate)) continue;
    return isDirectory(candidate) ? filesInVarsDir(candidate) : [candidate];
  }
  return [];
}

function filesInVarsDir(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort(compareText)) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const full = path.join(dir, entry);
    const extension = path.extname(entry);
    if (isDirectory(full)) {
      if (!extension) found.push(...filesInVarsDir(full));
    } else if (!extension || VARS_EXTENSIONS.includes(extension)) {
      found.push(full);
    }
  }
  return found;
}

/** The names that have a vars file or directory under `baseDir/<kind>_vars` (for typo warnings). */
export function varsEntryNames(baseDir: string, kind: VarsKind): string[] {
  const dir = path.join(baseDir, `${kind}_vars`);
  if (!isDirectory(dir)) return [];
  const names = new Set<string>();
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const extension = path.extname(entry);
    if (VARS_EXTENSIONS.includes(extension)) names.add(entry.slice(0, -extension.length));
    else if (!extension) names.add(entry);
  }
  return [...names];
}

/** Parsed vars files, each read once. */
export class VarsFileCache {
  private readonly parsed = new Map<string, Vars | null>();

  constructor(private readonly cwd: string) {}

  /** The variables in `file`, or null for an empty file. */
  load(file: string): Vars | null {
    const cached = this.parsed.get(file);
    if (cached !== undefined) return cached;
    const shown = displayPath(file, this.cwd);
    const data = parseDataText(readFileSync(file, 'utf8'), shown);
    let vars: Vars | null;
    if (isEmptyValue(data.value)) vars = null;
    else if (isDict(data.value)) vars = data.value;
    else {
      throw new InventoryError(`Expected a mapping of variable names to values, got ${describe(data.value)}`, {
        file: shown,
        ...lineOf(data.locate([])),
      });
    }
    this.parsed.set(file, vars);
    return vars;
  }

  /** One layer per non-empty file of `name` under `baseDir`. */
  layers(baseDir: string, kind: VarsKind, name: string): VarLayer[] {
    const layers: VarLayer[] = [];
    for (const file of findVarsFiles(baseDir, kind, name)) {
      const vars = this.load(file);
      if (vars) layers.push({ source: file, vars });
    }
    return layers;
  }
}

/**
 * The group_vars/host_vars layers of one group or host under any base directory (the engine uses
 * it for the playbook's directory). Reads the files on each call.
 */
export function readEntityVars(baseDir: string, kind: VarsKind, name: string, cwd = process.cwd()): VarLayer[] {
  return new VarsFileCache(cwd).layers(canonicalDir(baseDir), kind, name);
}

/** The real path of a vars base directory, as Ansible resolves it before looking inside. */
export function canonicalDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Python's falsiness for loaded data: such files are skipped, not rejected. */
function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isDict(value) && Object.keys(value).length === 0;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)})`;
  return `a ${typeof value === 'object' ? 'float' : typeof value}`;
}

function lineOf(position: { line: number; column: number } | undefined): { line?: number; column?: number } {
  return position ? { line: position.line, column: position.column } : {};
}
