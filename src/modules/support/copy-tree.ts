/**
 * copy with a directory src on the controller: walk it as the copy action plugin does
 * (rsync-like trailing slash, links followed unless local_follow=no), then copy the files,
 * create the directories (directory_mode) and make the links.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModuleContext, ModuleResult } from '../types.js';
import { type CopyOptions, copyOneFile, directoryTask } from './copy-file.js';
import { ensureDirectory } from './file-states.js';
import { ensureSymlink } from './file-links.js';
import { joinPath } from './paths.js';

export interface SourceTree {
  /** [controller path, path relative to dest] */
  files: [string, string][];
  directories: [string, string][];
  /** [link target as written, path relative to dest] */
  symlinks: [string, string][];
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** _walk_dirs: the tree under `top`; without a trailing slash the top directory's name is kept. */
export async function walkSource(top: string, localFollow: boolean): Promise<SourceTree> {
  const tree: SourceTree = { files: [], directories: [], symlinks: [] };
  const trimmed = top.endsWith('/') ? top.slice(0, -1) : top;
  const relBase = top.endsWith('/') ? '' : path.basename(trimmed);
  const visit = async (dir: string, rel: string, parents: Set<string>): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: [string, string, boolean][] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        const real = await fs.realpath(full).catch(() => undefined);
        const target = real ? await fs.stat(real) : undefined;
        if (target?.isDirectory()) subdirs.push([full, relPath, true]);
        else if (localFollow && target?.isFile() && real) tree.files.push([real, relPath]);
        else tree.symlinks.push([await fs.readlink(full), relPath]);
      } else if (entry.isDirectory()) subdirs.push([full, relPath, false]);
      else tree.files.push([full, relPath]);
    }
    for (const [full, relPath, isLink] of subdirs) {
      if (!isLink) {
        tree.directories.push([full, relPath]);
        await visit(full, relPath, new Set([...parents, await fs.realpath(full)]));
        continue;
      }
      const real = await fs.realpath(full);
      // A link back into the tree being copied stays a link (it would recurse forever).
      if (!localFollow || parents.has(real)) tree.symlinks.push([await fs.readlink(full), relPath]);
      else {
        tree.directories.push([real, relPath]);
        await visit(real, relPath, new Set([...parents, real]));
      }
    }
  };
  await visit(trimmed, relBase, new Set([await fs.realpath(trimmed)]));
  return tree;
}

/** Copies a controller directory tree to dest. `source` is the src as found (for the result). */
export async function copyTree(ctx: ModuleContext, options: CopyOptions, source: string, localFollow: boolean, preserveMode: boolean): Promise<ModuleResult> {
  if (!(await exists(source))) return { changed: false, failed: true, msg: `could not find src=${source}` };
  const tree = await walkSource(source, localFollow);
  const dest = options.dest.endsWith('/') ? options.dest : `${options.dest}/`;
  const intoDir: CopyOptions = { ...options, dest, follow: tree.directories.length ? false : options.follow };
  let changed = false;
  let last: ModuleResult | null = null;
  for (const [full, rel] of tree.files) {
    const data = await fs.readFile(full);
    const want = preserveMode ? { ...options.want, mode: { octal: (await fs.stat(full)).mode & 0o7777 } } : options.want;
    const result = await copyOneFile(ctx, { ...intoDir, want }, { data, rel, fromContent: false, label: full });
    if (!result) continue;
    if (result.failed) return result;
    changed ||= result.changed;
    last = result;
  }
  for (const [, rel] of tree.directories) {
    const result = await ensureDirectory(directoryTask(ctx, joinPath(dest, rel), options));
    if (result.failed) return result;
    changed ||= result.changed;
    last = result;
  }
  for (const [target, rel] of tree.symlinks) {
    const result = await ensureSymlink({
      ctx,
      path: joinPath(dest, rel),
      src: target,
      follow: tree.directories.length === 0,
      force: true,
      recurse: false,
      want: preserveMode ? { ...options.want, mode: undefined } : options.want,
      mtime: 'preserve',
      atime: 'preserve',
    });
    if (result.failed) return result;
    changed ||= result.changed;
    last = result;
  }
  if (last && tree.files.length === 1) {
    const single: ModuleResult = { ...last };
    if (typeof single['path'] === 'string' && single['dest'] === undefined) single['dest'] = single['path'];
    return single;
  }
  return { dest, src: source, changed };
}
