/**
 * Which file a playbook argument names. A path that exists relative to the working directory is
 * that file, as for ansible-playbook. Otherwise a relative path is looked up among the playbooks
 * bundled with the package (its `playbooks/` directory), so that `npx playbook run deploy.yml`
 * works from any folder.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this file is two directories below it in src/cli/, dist/cli/ and dist/bundle/. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The package's name and version, from its package.json. */
export function packageInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/**
 * The bundled playbooks' directory: the package's `playbooks/`. PLAYBOOK_BUNDLED_DIR replaces it;
 * that is for the tests, which must not ship a playbook of their own in the package.
 */
export function bundledPlaybooksDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['PLAYBOOK_BUNDLED_DIR'] ? path.resolve(env['PLAYBOOK_BUNDLED_DIR']) : path.join(PACKAGE_ROOT, 'playbooks');
}

export interface ResolvedPlaybook {
  /** As given on the command line. */
  given: string;
  /** The file to load: absolute when bundled, else as given (the loader resolves it against the cwd). */
  file: string;
  /** Set when the file is the package's bundled one. */
  bundled: boolean;
}

/** A playbook argument that names no file (ansible-playbook's message; its exit code is 1). */
export class PlaybookNotFoundError extends Error {}

const isFile = (file: string): boolean => {
  try {
    const st = statSync(file);
    return st.isFile() || st.isFIFO();
  } catch {
    return false;
  }
};

/** The bundled candidates for a relative argument: `deploy.yml` and `playbooks/deploy.yml` both name `<bundled>/deploy.yml`. */
function bundledCandidates(given: string, bundledDir: string): string[] {
  const out: string[] = [];
  const add = (rel: string): void => {
    const full = path.resolve(bundledDir, rel);
    const inside = path.relative(bundledDir, full);
    // Never outside the bundled directory (`../x.yml`).
    if (inside && !inside.startsWith('..') && !path.isAbsolute(inside)) out.push(full);
  };
  add(given);
  const parts = path.normalize(given).split(path.sep);
  if (parts.length > 1 && parts[0] === path.basename(bundledDir)) add(parts.slice(1).join(path.sep));
  return out;
}

/** Resolves each playbook argument; throws PlaybookNotFoundError for one found nowhere. */
export function resolvePlaybooks(given: readonly string[], cwd: string, bundledDir = bundledPlaybooksDir()): ResolvedPlaybook[] {
  return given.map((arg) => {
    const local = path.resolve(cwd, arg);
    if (existsSync(local)) {
      if (!isFile(local)) throw new PlaybookNotFoundError(`the playbook: ${arg} does not appear to be a file`);
      return { given: arg, file: arg, bundled: false };
    }
    if (!path.isAbsolute(arg)) {
      const found = bundledCandidates(arg, bundledDir).find(isFile);
      if (found) return { given: arg, file: found, bundled: true };
      throw new PlaybookNotFoundError(`the playbook: ${arg} could not be found (looked in ${cwd} and in the bundled playbooks, ${bundledDir})`);
    }
    throw new PlaybookNotFoundError(`the playbook: ${arg} could not be found`);
  });
}

/** The line said before a bundled playbook runs, naming the file and why it was chosen. */
export function bundledNotice(p: ResolvedPlaybook, cwd: string): string {
  const { name, version } = packageInfo();
  return `Playbook: ${p.file} (bundled with ${name} ${version}; no ${p.given} in ${cwd})`;
}
