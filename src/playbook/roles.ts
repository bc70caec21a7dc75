/** Roles: where Ansible looks for them, and what a role directory holds. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isDict } from '../python/values.js';
import { PlaybookError } from './errors.js';
import { loadYamlFile, locationOf } from './yaml.js';

/** roles/ beside the playbook, then roles_path entries, then the playbook's own directory, then the package's roles. */
export function findRole(name: string, baseDir: string, rolesPath: readonly string[], bundledRoles: string | undefined): string | undefined {
  if (name.includes('/') || path.isAbsolute(name)) {
    const p = path.resolve(baseDir, name);
    return existsSync(p) ? p : undefined;
  }
  const dirs = [path.join(baseDir, 'roles'), ...rolesPath, baseDir, ...(bundledRoles ? [bundledRoles] : [])];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
  }
  return undefined;
}

export function roleSearchDescription(baseDir: string, rolesPath: readonly string[], bundledRoles: string | undefined): string {
  return [path.join(baseDir, 'roles'), ...rolesPath, baseDir, ...(bundledRoles ? [bundledRoles] : [])].join(':');
}

/** `<dir>/<name>.yml|.yaml|.json|` or `<dir>/<name>/` (a folder of such files, merged in order). */
export function findMainFile(dir: string, name = 'main'): string | undefined {
  for (const ext of ['.yml', '.yaml', '.json', '']) {
    const candidate = path.join(dir, name + ext);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** A vars/defaults file or folder, merged. Empty when absent. */
export function loadVarsEntry(dir: string, name = 'main'): Record<string, unknown> {
  const file = findMainFile(dir, name);
  if (file) return loadVarsFile(file);
  const folder = path.join(dir, name);
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    const out: Record<string, unknown> = {};
    for (const entry of readdirSync(folder).sort()) {
      if (!/\.(ya?ml|json)$/.test(entry)) continue;
      Object.assign(out, loadVarsFile(path.join(folder, entry)));
    }
    return out;
  }
  return {};
}

export function loadVarsFile(file: string): Record<string, unknown> {
  const data = loadYamlFile(file);
  if (data === null || data === undefined) return {};
  if (!isDict(data)) {
    throw new PlaybookError(`vars file ${file} must contain a dictionary of variables, got ${Array.isArray(data) ? 'a list' : typeof data}`, locationOf(data));
  }
  return data;
}
