#!/usr/bin/env node
// The `playbook` command. An installed package runs its build (dist/). A checkout runs dist/ only
// when it is newer than every source file, and otherwise the TypeScript sources through tsx, so a
// stale build is never what runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'cli', 'main.js');
const sources = path.join(root, 'src');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

let entry = built;
if (existsSync(sources) && (!existsSync(built) || statSync(built).mtimeMs < newestSource(sources))) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = path.join(sources, 'cli', 'main.ts');
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
