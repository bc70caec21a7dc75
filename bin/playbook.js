#!/usr/bin/env node
// The `playbook` command. It runs the build: the one-file bundle (dist/bundle/playbook.mjs, the
// quickest to load) or dist/cli/main.js, whichever is newer. In a checkout, a build older than any
// source file is not run: the TypeScript sources run through tsx instead.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = path.join(root, 'src');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : -1);
const builds = [path.join(root, 'dist', 'bundle', 'playbook.mjs'), path.join(root, 'dist', 'cli', 'main.js')].sort((a, b) => mtime(b) - mtime(a));
let entry = builds[0];
if (mtime(entry) < 0 || (existsSync(sources) && mtime(entry) < newestSource(sources))) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = path.join(sources, 'cli', 'main.ts');
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
