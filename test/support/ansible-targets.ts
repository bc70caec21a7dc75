/**
 * ansible-core's integration targets (test/integration/targets of the release the pinned bundle
 * carries; scripts/install-ansible.sh unpacks them) run as ansible-test runs a role target: a play
 * on one host with facts gathered, `output_dir` set, and the target as its only role, the targets
 * directory as the roles path (their meta dependencies are targets too, such as
 * setup_remote_tmp_dir).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ansibleVenv } from './ansible.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function targetsDir(): string {
  const cache = path.dirname(ansibleVenv());
  const unpacked = existsSync(cache) ? readdirSync(cache).filter((d) => /^ansible-core-[\d.]+-targets$/.test(d)) : [];
  const dir = unpacked.length === 1 ? path.join(cache, unpacked[0]!, 'targets') : undefined;
  if (!dir || !existsSync(dir)) throw new Error(`ansible-core's integration targets are not unpacked under ${cache}: run scripts/install-ansible.sh (CI does).`);
  return dir;
}

/**
 * Writes the playbook ansible-test would run for `target` on `host`, in `work` (with `roles` linked
 * to the targets directory, which both engines search next to the playbook), and returns its path.
 */
export function targetPlaybook(work: string, target: string, host: string): string {
  const roles = path.join(work, 'roles');
  if (!existsSync(roles)) symlinkSync(targetsDir(), roles);
  const outputDir = path.join(work, `output-${target}-${host}`);
  const playbook = path.join(work, `target-${target}-${host}.yml`);
  const play = [{ hosts: host, gather_facts: true, become: true, vars: { output_dir: outputDir }, roles: [target] }];
  writeFileSync(playbook, JSON.stringify(play, null, 2));
  return playbook;
}

/** What a run of a target by one engine printed and how it ended. */
export interface TargetRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `target` on the controller the way `ansible-test integration` runs a role target there: the
 * host `testhost` of group `testgroup` over the local connection with the reference's Python, facts
 * gathered, `output_dir` passed as an extra variable and OUTPUT_DIR in the environment, and the
 * reference's bin/ first on PATH (targets run ansible-playbook from their tasks; playbook finds the
 * ansible-core its Python modules need there too). Each engine runs in its own folder under `work`.
 */
export function runLocalTarget(target: string, engine: 'ansible' | 'playbook', work: string, timeoutMs = 600_000): Promise<TargetRun> {
  const dir = path.join(work, `${target}-${engine}`);
  const outputDir = path.join(dir, 'output');
  mkdirSync(outputDir, { recursive: true });
  // Each run's temporary files (AnsiballZ payloads, async wrappers) in its own folder, not /tmp:
  // targets list /tmp (changed_when runs `ls -al /tmp`), which fails when another run removes an
  // entry while ls reads it.
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  if (!existsSync(path.join(dir, 'roles'))) symlinkSync(targetsDir(), path.join(dir, 'roles'));
  const venv = ansibleVenv();
  writeFileSync(path.join(dir, 'inventory'), `[testgroup]\ntesthost ansible_connection=local ansible_python_interpreter=${path.join(venv, 'bin', 'python')}\n`);
  writeFileSync(path.join(dir, 'ansible.cfg'), '');
  writeFileSync(path.join(dir, 'play.yml'), JSON.stringify([{ hosts: 'testhost', gather_facts: true, roles: [target] }], null, 2));
  const env = {
    ...process.env,
    PATH: `${path.join(venv, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    OUTPUT_DIR: outputDir,
    TMPDIR: tmp,
    // An empty config, so that no ansible.cfg of the machine changes either engine.
    ANSIBLE_CONFIG: path.join(dir, 'ansible.cfg'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    NO_COLOR: '1',
  };
  const command = engine === 'ansible' ? [path.join(venv, 'bin', 'ansible-playbook')] : [process.execPath, path.join(REPO_ROOT, 'bin', 'playbook.js'), 'run'];
  const args = [...command.slice(1), '-i', 'inventory', 'play.yml', '-e', `output_dir=${outputDir}`];
  return new Promise((resolve, reject) => {
    execFile(command[0]!, args, { cwd: dir, env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number' && !error.killed) return reject(error);
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 124) : 0, stdout, stderr });
    });
  });
}

/** The failed tasks of a run (not those ignored), each under its TASK line, for an assertion message. */
export function failedTasks(run: Pick<TargetRun, 'stdout' | 'stderr'>): string {
  const lines = run.stdout.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!/^(fatal|failed):/.test(line) || /\.\.\.ignoring/.test(lines.slice(i + 1, i + 3).join(' '))) return;
    const task = lines.slice(0, i).reverse().find((l) => l.startsWith('TASK ['));
    out.push(`${task ?? ''}\n  ${line.slice(0, 2000)}`);
  });
  return `${out.join('\n') || run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;
}
