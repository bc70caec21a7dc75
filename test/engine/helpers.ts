/** Small playbook projects in temp dirs, run through the library API or the CLI. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RunPlaybookResult, runPlaybook } from '../../src/executor/run.js';
import type { RunEvent } from '../../src/output/events.js';
import { TextReporter } from '../../src/output/text.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Writes files (path -> content) into a fresh directory and returns it. */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-'));
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(dir, name);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return dir;
}

export const LOCAL_INVENTORY = 'node1 ansible_connection=local\nnode2 ansible_connection=local\n';

export interface Ran extends RunPlaybookResult {
  output: string;
  events: RunEvent[];
}

export async function run(dir: string, playbook = 'pb.yml', extra: Partial<Parameters<typeof runPlaybook>[0]> = {}): Promise<Ran> {
  let output = '';
  const events: RunEvent[] = [];
  const result = await runPlaybook({
    playbooks: [playbook],
    inventory: [path.join(dir, 'inventory.ini')],
    cwd: dir,
    reporters: [new TextReporter({ write: (s) => (output += s), color: false, verbosity: 0, diff: Boolean(extra.diff) })],
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { ...result, output, events };
}

/** The recap line of a host, as printed. */
export function recapLine(output: string, host: string): string | undefined {
  return output.split('\n').find((l) => l.startsWith(host + ' ') && l.includes(' : ok='));
}

export async function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'playbook.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
