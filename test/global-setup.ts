/** Builds dist/ (and the CLI bundle) once before the tests when it is older than the sources (the CLI then runs the build). */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    n = Math.max(n, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return n;
}

export default function setup(): void {
  const built = [path.join(root, 'dist', 'cli', 'main.js'), path.join(root, 'dist', 'bundle', 'playbook.mjs')];
  const sources = newest(path.join(root, 'src'));
  if (built.every((f) => existsSync(f) && statSync(f).mtimeMs >= sources)) return;
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    // The CLI under test runs the bundle, as users do.
    execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root, stdio: 'inherit' });
  } catch {
    // A type error is typecheck's to report; the CLI runs the sources when dist/ is stale.
    process.stderr.write('global-setup: the build failed; the CLI under test runs the sources through tsx\n');
  }
}
