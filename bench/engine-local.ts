/**
 * The engine on the local connection: a 20-task playbook (command, file, copy, lineinfile) on N
 * inventory hosts that are all this machine, first run and idempotent re-run, against
 * ansible-playbook on the same files. Prints median wall time, the ratio, and our peak memory.
 * Run: npm run bench:local [-- HOSTS ANSIBLE_HOSTS ROUNDS]   (defaults 100 8 3)
 * The SSH benchmark with containers (the real target) comes with the SSH connection.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [hosts = 100, ansibleHosts = 8, rounds = 3] = process.argv.slice(2).map(Number);
const venv = process.env['PLAYBOOK_ANSIBLE_VENV'] ?? path.join(process.env['HOME'] ?? '/root', '.cache', 'playbook-engine', 'ansible-12.3.0');

function project(n: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-local-'));
  const lines = Array.from({ length: n }, (_, i) => `h${String(i).padStart(3, '0')} ansible_connection=local node_ip=10.0.${Math.floor(i / 250)}.${i % 250}`);
  writeFileSync(path.join(dir, 'inv.ini'), `[nodes]\n${lines.join('\n')}\n`);
  const tasks: string[] = [];
  for (let i = 0; i < 5; i++) {
    tasks.push(`    - command: echo ${i} {{ inventory_hostname }}\n      changed_when: false`);
    tasks.push(`    - file: {path: "{{ out }}/{{ inventory_hostname }}", state: directory}`);
    tasks.push(`    - copy: {content: "{{ node_ip }} ${i}\\n", dest: "{{ out }}/{{ inventory_hostname }}/f${i}"}`);
    tasks.push(`    - lineinfile: {path: "{{ out }}/{{ inventory_hostname }}/conf", line: "k${i}={{ hostvars[groups.nodes[0]].node_ip }}", create: true}`);
  }
  writeFileSync(path.join(dir, 'pb.yml'), `- hosts: nodes\n  gather_facts: false\n  tasks:\n${tasks.join('\n')}\n`);
  mkdirSync(path.join(dir, 'out'));
  return dir;
}

function timed(cmd: string[], cwd: string, env: NodeJS.ProcessEnv): { seconds: number; rssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...cmd], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  const [seconds = '0', kb = '0'] = r.stderr.trim().split('\n').pop()!.split(' ');
  return { seconds: Number(seconds), rssMb: Number(kb) / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(tool: 'playbook' | 'ansible', n: number): { first: number[]; again: number[]; rss: number } {
  const first: number[] = [];
  const again: number[] = [];
  let rss = 0;
  for (let r = 0; r < rounds; r++) {
    const dir = project(n);
    const out = path.join(dir, 'out');
    const cmd =
      tool === 'playbook'
        ? [process.execPath, path.join(root, 'bin', 'playbook.js'), 'run', '-i', 'inv.ini', 'pb.yml', '-e', `out=${out}`, '-f', String(n)]
        : [path.join(venv, 'bin', 'ansible-playbook'), '-i', 'inv.ini', 'pb.yml', '-e', `out=${out}`, '-f', String(n)];
    const env = { ...process.env, ANSIBLE_PYTHON_INTERPRETER: path.join(venv, 'bin', 'python'), ANSIBLE_NOCOLOR: '1', ANSIBLE_PIPELINING: '1' };
    const a = timed(cmd, dir, env);
    const b = timed(cmd, dir, env);
    first.push(a.seconds);
    again.push(b.seconds);
    rss = Math.max(rss, a.rssMb, b.rssMb);
    rmSync(dir, { recursive: true, force: true });
  }
  return { first, again, rss };
}

execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
console.log(`20 tasks (command, file, copy, lineinfile), local connection, ${rounds} rounds, median wall time\n`);
const small = measure('playbook', ansibleHosts);
const ref = measure('ansible', ansibleHosts);
console.log(`${ansibleHosts} hosts   playbook: first ${median(small.first).toFixed(2)} s, re-run ${median(small.again).toFixed(2)} s`);
console.log(`${ansibleHosts} hosts   ansible-playbook 2.19 (pipelining, forks=${ansibleHosts}): first ${median(ref.first).toFixed(2)} s, re-run ${median(ref.again).toFixed(2)} s`);
console.log(`${ansibleHosts} hosts   ratio: first ${(median(ref.first) / median(small.first)).toFixed(1)}x, re-run ${(median(ref.again) / median(small.again)).toFixed(1)}x faster`);
const big = measure('playbook', hosts);
console.log(`${hosts} hosts  playbook: first ${median(big.first).toFixed(2)} s, re-run ${median(big.again).toFixed(2)} s, peak memory ${big.rss.toFixed(0)} MB`);
