/**
 * async over SSH: a `poll: 0` job outlives the run that started it (the connection closes, the
 * job goes on), runs as the become user, and a later run's async_status reads its result.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cli, project, recapLine } from '../engine/helpers.js';
import { OTHER, type Sshd, inventoryLine, startSshd } from './sshd.js';

let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd();
}, 30_000);

afterAll(async () => {
  await sshd?.stop();
});

test('a poll: 0 job outlives the run, runs as the become user, and a later run reads its result', { timeout: 60_000 }, async () => {
  const shared = mkdtempSync(path.join(tmpdir(), 'pb-ssh-async-'));
  chmodSync(shared, 0o777);
  const dir = project({
    'inventory.ini': inventoryLine(sshd, 'node1') + '\n',
    'start.yml': `- hosts: node1
  gather_facts: false
  become: true
  become_user: ${OTHER}
  tasks:
    - shell: sleep 3; id -un > ${shared}/who; echo finished
      async: 60
      poll: 0
      register: job
    - copy: { content: "{{ job.ansible_job_id }}", dest: "${shared}/jid", mode: "0644" }
`,
    'status.yml': `- hosts: node1
  gather_facts: false
  become: true
  become_user: ${OTHER}
  tasks:
    - async_status: { jid: "{{ lookup('file', '${shared}/jid') }}" }
      register: st
    - copy: { content: "{{ [st.finished, st.rc, st.stdout] | to_json }}", dest: "${shared}/status", mode: "0644" }
`,
  });
  const started = await cli(['run', '-i', 'inventory.ini', 'start.yml'], dir);
  expect(started.code, started.stdout + started.stderr).toBe(0);
  expect(existsSync(path.join(shared, 'who'))).toBe(false); // the run did not wait for the job
  // The shell creates the file before `id` writes into it: wait for the line, not the file.
  const who = (): string => (existsSync(path.join(shared, 'who')) ? readFileSync(path.join(shared, 'who'), 'utf8') : '');
  for (let i = 0; i < 100 && !who().endsWith('\n'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(readFileSync(path.join(shared, 'who'), 'utf8')).toBe(`${OTHER}\n`);
  await new Promise((r) => setTimeout(r, 300)); // the job's wrapper writes the status after the command
  const status = await cli(['run', '-i', 'inventory.ini', 'status.yml'], dir);
  expect(recapLine(status.stdout, 'node1'), status.stdout).toMatch(/ok=2\s+changed=2\s+unreachable=0\s+failed=0/);
  expect(JSON.parse(readFileSync(path.join(shared, 'status'), 'utf8'))).toEqual([true, 0, 'finished']);
  // The job's output lives in the become user's home, private to that user.
  const home = execFileSync('getent', ['passwd', OTHER], { encoding: 'utf8' }).split(':')[5] ?? '';
  expect(statSync(path.join(home, '.ansible_async')).mode & 0o777).toBe(0o700);
});
