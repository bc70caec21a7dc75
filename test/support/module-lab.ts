/**
 * System module tests on lab nodes (systemd as PID 1, apt and pip from the lab mirror), over SSH:
 * a playbook runs with `playbook run` (or ansible-playbook, for parity) against the lab's inventory,
 * the recap and the registered values come back, and `sh` checks the node independently (docker
 * exec as root, not through the engine under test).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, type LabInit } from '../../src/lab/index.js';
import { ensureWheelhouse } from '../../src/lab/wheelhouse.js';
import { ansibleVenv } from './ansible.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface PlayRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The PLAY RECAP counts of a host. */
  recap(host: string): Recap;
  /** The variables named in `dump`, as the host registered them (JSON round trip). */
  registered(host: string): Record<string, any>;
}

export interface PlayOptions {
  /** Extra environment for the engine (e.g. ANSIBLE_ROLES_PATH). */
  env?: Record<string, string>;
  /** Hosts (a pattern) the play targets; default all. */
  hosts?: string;
  engine?: 'playbook' | 'ansible';
  /** Extra command line arguments (--check, --diff, -e ...). */
  args?: string[];
  /** Registered variables to bring back (see PlayRun.registered). */
  dump?: string[];
  become?: boolean;
  timeoutMs?: number;
}

export interface ModuleLab {
  lab: Lab;
  /** A directory for playbooks and files on the controller. */
  work: string;
  /** Runs `tasks` (YAML, indented as a play's task list items: two spaces then `- `) in one play. */
  play(tasks: string, options?: PlayOptions): Promise<PlayRun>;
  /** Runs a playbook file (the `hosts` and `dump` options do not apply). */
  runPlaybook(playbook: string, options?: PlayOptions): Promise<PlayRun>;
  /** A command on the node as root, through the engine's exec (not the engine under test). */
  sh(node: string, command: string, timeoutMs?: number): Promise<{ rc: number | null; stdout: string; stderr: string }>;
  down(): Promise<void>;
}

function runFile(file: string, args: string[], cwd: string, timeoutMs: number, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', ANSIBLE_NOCOLOR: '1', ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function recapOf(stdout: string, host: string): Recap {
  const line = stdout.split('\n').find((l) => new RegExp(`^${host}\\s+:`).test(l));
  if (!line) throw new Error(`no PLAY RECAP line for ${host} in:\n${stdout}`);
  const count = (k: string): number => Number(new RegExp(`${k}=(\\d+)`).exec(line)?.[1] ?? NaN);
  return { ok: count('ok'), changed: count('changed'), unreachable: count('unreachable'), failed: count('failed'), skipped: count('skipped'), rescued: count('rescued'), ignored: count('ignored') };
}

/** A lab for one test file: `name` should be short and unique to the file. */
export async function startModuleLab(name: string, options: { nodes?: number; init?: LabInit } = {}): Promise<ModuleLab> {
  const stateRoot = mkdtempSync(path.join(tmpdir(), `pb-mlab-${name}-`));
  const work = mkdtempSync(path.join(tmpdir(), `pb-mlab-work-${name}-`));
  const progress = (line: string): void => void process.stderr.write(`[lab ${name}] ${line}\n`);
  const wheelhouse = await ensureWheelhouse({ onProgress: (l) => progress(`wheelhouse: ${l}`) });
  const lab = await Lab.up({ name: `m${name}`, nodes: options.nodes ?? 2, init: options.init ?? 'systemd', wheelhouse, stateRoot, onProgress: progress });
  let runs = 0;
  return {
    lab,
    work,
    async play(tasks, o = {}) {
      const id = ++runs;
      const out = path.join(work, `out-${id}`);
      const dump = o.dump ?? [];
      const dumpTask = dump.length
        ? `    - name: bring the registered values back
      copy:
        content: "{{ {${dump.map((v) => `'${v}': (${v} | default(None))`).join(', ')}} | to_json }}"
        dest: "${out}-{{ inventory_hostname }}.json"
      delegate_to: localhost
      become: false
      check_mode: false
      changed_when: false
      check_mode: false
`
        : '';
      const playbook = path.join(work, `play-${id}.yml`);
      writeFileSync(playbook, `- hosts: ${o.hosts ?? 'all'}\n  gather_facts: false\n  become: ${o.become ?? true}\n  tasks:\n${tasks.replace(/\n*$/, '\n')}${dumpTask}`);
      return runPlaybook(playbook, o, out);
    },
    runPlaybook: (playbook, o = {}) => runPlaybook(playbook, o, path.join(work, `out-${++runs}`)),
    async sh(node, command, timeoutMs = 120_000) {
      return lab.exec(node, ['/bin/sh', '-c', command], { timeoutMs });
    },
    async down() {
      await lab.down();
      rmSync(stateRoot, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };

  async function runPlaybook(playbook: string, o: PlayOptions, out: string): Promise<PlayRun> {
      const args = ['-i', lab.inventoryPath, playbook, ...(o.args ?? [])];
      const timeoutMs = o.timeoutMs ?? 300_000;
      const ran =
        o.engine === 'ansible'
          ? await runFile(path.join(ansibleVenv(), 'bin', 'ansible-playbook'), args, work, timeoutMs, { ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_PIPELINING: '1', ANSIBLE_PYTHON_INTERPRETER: 'auto_silent', ...o.env })
          : await runFile(process.execPath, [path.join(root, 'bin', 'playbook.js'), 'run', ...args], work, timeoutMs, { ...o.env });
      return {
        ...ran,
        recap: (host) => recapOf(ran.stdout, host),
        registered(host) {
          try {
            return JSON.parse(readFileSync(`${out}-${host}.json`, 'utf8')) as Record<string, any>;
          } catch (e) {
            throw new Error(`no registered values from ${host} (${(e as Error).message}); the run said:\n${ran.stdout}\n${ran.stderr}`, { cause: e });
          }
        },
      };
  }
}
