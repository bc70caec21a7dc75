/** docs/environment-files.md's example, for the tests that run it (test/engine, test/system). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The YAML block that follows the doc's `<!-- example: environment-file ... -->` marker. */
export function docExample(): string {
  const doc = readFileSync(path.join(ROOT, 'docs', 'environment-files.md'), 'utf8');
  const m = /<!-- example: environment-file[^>]*-->\n```yaml\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error('docs/environment-files.md has no environment-file example block');
  return m[1]!;
}

/** The values the tests write: each one something a naive KEY=value line gets wrong. */
export const VALUES: Record<string, string> = {
  NCCL_SOCKET_IFNAME: 'eno1',
  VLLM_HOST_IP: '10.0.0.11',
  VLLM_EXTRA_ARGS: '--max-model-len 4096 --served-model-name "qwen3 small"',
  RAY_HEAD_COMMENT: "it's node1's head",
  RAY_RUNTIME_ENV_HOOK: 'a=b c=d',
  GLOO_NOTE: 'cost $HOME `x` \\n # not a comment',
};

/** A play that runs the doc's task with `values` (a YAML flow mapping, JSON being YAML). */
export function playbook(file: string, values: Record<string, string>): string {
  const indented = docExample()
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `- hosts: all\n  gather_facts: false\n  vars:\n    cluster_env_file: ${JSON.stringify(file)}\n    cluster_env: ${JSON.stringify(values)}\n  tasks:\n${indented}\n`;
}

/** What `sh -c 'set -a; . FILE; env'` reads for the keys of `values`. */
export function shellReads(envOutput: string, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of envOutput.split('\0')) {
    const at = entry.indexOf('=');
    const key = entry.slice(0, at);
    if (keys.includes(key)) out[key] = entry.slice(at + 1);
  }
  return out;
}
