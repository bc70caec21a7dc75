/**
 * Image recipes live as plain files under lab/ (package lists, hooks, Dockerfiles); an image's tag
 * is a hash of everything that shapes it, so a changed recipe gets a new tag and an unchanged one
 * reuses the image already built.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** lab/ of this package: src/docker/ in a checkout, dist/docker/ when installed. */
export const LAB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'lab');

export interface RecipeFile {
  /** Relative to the recipe directory, '/' separated. */
  name: string;
  data: Buffer;
  /** Permission bits as on disk (a hook script stays executable in a build context). */
  mode: number;
}

/** Every file of a recipe directory, recursively, sorted by name. */
export async function readRecipe(dir: string): Promise<RecipeFile[]> {
  const out: RecipeFile[] = [];
  const walk = async (sub: string): Promise<void> => {
    for (const e of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(rel);
      else if (e.isFile()) {
        const { mode } = await stat(path.join(dir, rel));
        out.push({ name: rel, data: await readFile(path.join(dir, rel)), mode: mode & 0o777 });
      }
    }
  };
  await walk('');
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A short, stable hash of strings and recipe files (names, contents and the executable bit). */
export function recipeHash(strings: readonly string[], files: readonly RecipeFile[]): string {
  const h = createHash('sha256');
  for (const s of strings) h.update(`s:${s.length}:${s}\n`);
  for (const f of files) {
    h.update(`f:${f.name}:${f.mode & 0o111 ? 'x' : '-'}:${f.data.length}\n`);
    h.update(f.data);
  }
  return h.digest('hex').slice(0, 16);
}
