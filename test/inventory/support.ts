/**
 * Running the Ansible reference for the inventory tests: ansible-inventory / ansible commands and
 * reference.py, several at a time (each costs a Python start-up), from an empty working directory
 * so that no group_vars/ next to the caller is read as "playbook" variables.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ansiblePython, ansibleVenv } from '../support/ansible.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const fixtures = path.join(here, 'fixtures');
export const fixture = (...parts: string[]): string => path.join(fixtures, ...parts);

const emptyCwd = mkdtempSync(path.join(os.tmpdir(), 'inventory-ref-'));
// An empty configuration, so that a user's ~/.ansible.cfg cannot change the defaults compared against.
const emptyConfig = path.join(emptyCwd, 'ansible.cfg');
writeFileSync(emptyConfig, '');

const env = {
  ...process.env,
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_DEPRECATION_WARNINGS: 'False',
  ANSIBLE_LOCALHOST_WARNING: 'False',
  ANSIBLE_CONFIG: emptyConfig,
};

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

function run(command: string, args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { cwd: emptyCwd, env, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

let running = 0;
const waiting: Array<() => void> = [];
const concurrency = Math.max(2, Math.min(6, os.cpus().length + 1));

/** Runs through a small pool: all requests may be made at once. */
async function pooled<T>(task: () => Promise<T>): Promise<T> {
  if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await task();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Many ansible-inventory command lines (argument lists) through inventory_cli.py, in one go. */
export async function ansibleInventoryBatch(jobs: string[][]): Promise<CommandResult[]> {
  const result = await pooled(() => run(ansiblePython(), [path.join(here, 'inventory_cli.py')], JSON.stringify(jobs)));
  if (result.code !== 0) throw new Error(`inventory_cli.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as CommandResult[];
}

/** `ansible-inventory -i s1 -i s2 ... <args>` as its own process. */
export function ansibleInventory(sources: string[], args: string[]): Promise<CommandResult> {
  const bin = path.join(ansibleVenv(), 'bin', 'ansible-inventory');
  return pooled(() => run(bin, [...sources.flatMap((s) => ['-i', s]), ...args]));
}

/** The host names `ansible <pattern> -i ... --list-hosts [--limit]` prints. */
export async function ansibleListHosts(sources: string[], pattern: string, limit?: string): Promise<string[]> {
  const bin = path.join(ansibleVenv(), 'bin', 'ansible');
  const args = [pattern, ...sources.flatMap((s) => ['-i', s]), '--list-hosts', ...(limit ? ['--limit', limit] : [])];
  const result = await pooled(() => run(bin, args));
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('    '))
    .map((line) => line.trim());
}

export type PatternReference = { hosts: string[] } | { error: string };

export interface InventoryReference {
  patterns: PatternReference[];
  groups: Record<string, string[]>;
  group_names: Record<string, string[]>;
}

/** Tables of patterns, each against its inventory, through Ansible's InventoryManager (one process). */
export async function referenceInventories(
  requests: Array<{ sources: string[]; cases: Array<{ pattern: string; limit?: string }> }>,
): Promise<InventoryReference[]> {
  const result = await pooled(() => run(ansiblePython(), [path.join(here, 'reference.py')], JSON.stringify(requests)));
  if (result.code !== 0) throw new Error(`reference.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as InventoryReference[];
}
