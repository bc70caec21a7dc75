/**
 * apt's one-line sources files as Ansible's apt_repository reads and writes them: every line
 * parsed into (valid, enabled, source, comment), a repository added (re-enabling a disabled copy
 * of it anywhere, else appended to its own file, named after the URL) or removed (every enabled
 * copy), and the files dumped back in Ansible's normal form. Pure functions: the module reads the
 * files with the apt_sources fact and writes what changed.
 */

export interface SourceLine {
  valid: boolean;
  enabled: boolean;
  source: string;
  comment: string;
}

export type SourcesFiles = Map<string, SourceLine[]>;

const VALID_SOURCE_TYPES = ['deb', 'deb-src'];

export class InvalidSource extends Error {
  override name = 'InvalidSource';
}

/** Ansible's SourcesList._parse. */
export function parseSourceLine(raw: string, raiseIfInvalidOrDisabled = false): SourceLine {
  let line = raw.trim();
  let enabled = true;
  let comment = '';
  if (line.startsWith('#')) {
    enabled = false;
    line = line.slice(1);
  }
  const i = line.indexOf('#');
  if (i > 0) {
    comment = line.slice(i + 1).trim();
    line = line.slice(0, i);
  }
  let source = line.trim();
  let valid = false;
  if (source) {
    const chunks = source.split(/\s+/);
    if (VALID_SOURCE_TYPES.includes(chunks[0]!)) {
      valid = true;
      source = chunks.join(' ');
    }
  }
  if (raiseIfInvalidOrDisabled && (!valid || !enabled)) throw new InvalidSource(line);
  return { valid, enabled, source, comment };
}

export function parseSourcesFile(text: string): SourceLine[] {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => parseSourceLine(l));
}

export function dumpSourcesFile(lines: readonly SourceLine[]): string {
  return lines.map((l) => `${l.enabled ? '' : '# '}${l.source}${l.comment ? ` # ${l.comment}` : ''}\n`).join('');
}

/** Ansible's _suggest_filename: the URL's host and path with every other character as `_`, or `filename`. */
export function suggestFilename(source: string, filename: string | null): string {
  if (filename !== null) return `${filename}.list`;
  let line = source.replace(/\[[^\]]+\]/g, '').replace(/\w+:\/\//g, '');
  const parts = line.split(/\s+/).filter((p) => p && !VALID_SOURCE_TYPES.includes(p));
  let first = parts[0] ?? '';
  if (first.includes('@')) first = first.slice(first.indexOf('@') + 1);
  line = first.replace(/[^a-zA-Z0-9]/g, ' ');
  return `${line.split(/\s+/).filter(Boolean).join('_')}.list`;
}

/** A file name relative to sources.list.d (Ansible's _expand_path). */
export function expandSourcesPath(sourceparts: string, filename: string): string {
  if (filename.includes('/')) return filename;
  return `${sourceparts.replace(/\/+$/, '')}/${filename}`;
}

export interface SourcesChange {
  files: SourcesFiles;
  /** Files that received a new repository line (their mode is set). */
  newRepos: Set<string>;
}

function clone(files: SourcesFiles): SourcesFiles {
  return new Map([...files].map(([f, lines]) => [f, lines.map((l) => ({ ...l }))]));
}

/** state=present: enable every copy of the source, or append it to its file. */
export function addSource(files: SourcesFiles, repo: string, target: string): SourcesChange {
  const source = parseSourceLine(repo, true).source;
  const out = clone(files);
  let found = false;
  for (const lines of out.values()) {
    for (const line of lines) {
      if (line.valid && line.source === source) {
        line.enabled = true;
        found = true;
      }
    }
  }
  const newRepos = new Set<string>();
  if (!found) {
    const lines = out.get(target) ?? [];
    lines.push({ valid: true, enabled: true, source, comment: '' });
    out.set(target, lines);
    newRepos.add(target);
  }
  return { files: out, newRepos };
}

/** state=absent: every enabled copy of the source goes (disabled copies stay). */
export function removeSource(files: SourcesFiles, repo: string): SourcesChange {
  const source = parseSourceLine(repo, true).source;
  const out: SourcesFiles = new Map();
  for (const [file, lines] of files) out.set(file, lines.filter((l) => !(l.valid && l.enabled && l.source === source)).map((l) => ({ ...l })));
  return { files: out, newRepos: new Set() };
}

/** Each file's text as Ansible dumps it; a file left without lines is not there. */
export function dumpSources(files: SourcesFiles): Map<string, string> {
  return new Map([...files].filter(([, lines]) => lines.length > 0).map(([f, lines]) => [f, dumpSourcesFile(lines)]));
}
