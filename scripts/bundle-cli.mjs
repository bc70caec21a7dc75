// Bundles the built CLI (dist/cli/main.js and what it imports) into one file,
// dist/bundle/playbook.mjs, which bin/playbook.js runs: loading ~250 files (ours, yaml's,
// commander's) took 70 ms of every run's start-up. ssh2 stays a package (its optional native
// binding loads relative to it), and dockerode and execa, which load only when used, stay out.
// The bundle sits two directories below the package root like every dist/ module, so paths
// resolved from import.meta.url (roles/, lab/, package.json) stay right.
//   node scripts/bundle-cli.mjs [--dist DIR]   (after tsc; `npm run build` does both)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--dist');
const dist = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : path.join(root, 'dist');

await build({
  entryPoints: [path.join(dist, 'cli', 'main.js')],
  outfile: path.join(dist, 'bundle', 'playbook.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2', 'dockerode', 'execa'],
  // Bundled CommonJS packages (yaml, ajv's runtime) call require.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
});
