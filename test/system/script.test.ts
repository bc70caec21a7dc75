/**
 * script on lab nodes over SSH: a controller script runs on the node with its arguments, as the
 * become user or the login user, in chdir, through an executable; what it did is checked on the node;
 * creates makes the re-run skip; check mode runs nothing; a failing script fails the host with its
 * rc and output; ansible-playbook on node1 and playbook on node2 give the same recap and results.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';
import { ansiblePython } from '../support/ansible.js';
import { MY_MOD, WHO_AM_I } from '../support/python-module.js';

let lab: ModuleLab;

beforeAll(async () => {
  lab = await startModuleLab('script');
  const files = path.join(lab.work, 'files');
  mkdirSync(files, { recursive: true });
  writeFileSync(path.join(files, 'make.sh'), '#!/bin/sh\nset -e\nmkdir -p "$1"\nprintf "%s\\n" "$2" > "$1/marker"\nid -un > "$1/user"\npwd > "$1/cwd"\necho "made $1"\n');
  writeFileSync(path.join(files, 'fail.sh'), '#!/bin/sh\necho "about to fail"\necho "bad thing" >&2\nexit 4\n');
  writeFileSync(path.join(files, 'info.py'), 'import sys\nprint("argv", sys.argv[1:])\n');
  // The playbooks are written in lab.work: its library/ is the playbook's.
  mkdirSync(path.join(lab.work, 'library'), { recursive: true });
  writeFileSync(path.join(lab.work, 'library', 'my_mod.py'), MY_MOD);
  writeFileSync(path.join(lab.work, 'library', 'who_am_i.py'), WHO_AM_I);
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

const sh = async (node: string, command: string): Promise<string> => {
  const r = await lab.sh(node, command);
  expect(r.rc, r.stderr).toBe(0);
  return r.stdout;
};

describe('script', () => {
  it('runs a controller script on the node with its arguments; creates skips the re-run; check mode runs nothing', async () => {
    await lab.sh('node2', 'rm -rf /srv/s');
    const tasks = `    - script: make.sh /srv/s/out "two words"
      args: { creates: /srv/s/out/marker, chdir: /tmp }
      register: made
    - script: info.py a "b c"
      args: { executable: python3 }
      register: py
`;
    const checked = await lab.play(tasks, { hosts: 'node2', args: ['--check'], dump: ['made', 'py'] });
    expect(checked.code, checked.stdout).toBe(0);
    expect(checked.registered('node2')['made']).toMatchObject({ changed: true });
    expect(checked.registered('node2')['py']).toMatchObject({ skipped: true, msg: 'Check mode is not supported for this task.' });
    expect((await lab.sh('node2', 'test -e /srv/s')).rc).not.toBe(0);
    const run = await lab.play(tasks, { hosts: 'node2', dump: ['made', 'py'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect(await sh('node2', 'cat /srv/s/out/marker /srv/s/out/user /srv/s/out/cwd')).toBe('two words\nroot\n/tmp\n');
    expect(run.registered('node2')['made']).toMatchObject({ rc: 0, stdout_lines: ['made /srv/s/out'] });
    expect(run.registered('node2')['py']).toMatchObject({ rc: 0, stdout_lines: ["argv ['a', 'b c']"] });
    expect(await sh('node2', 'ls -A /tmp | grep -c playbook-script || true')).toBe('0\n');
    const again = await lab.play(tasks, { hosts: 'node2', dump: ['made'] });
    expect(again.recap('node2')).toMatchObject({ changed: 1, skipped: 1 });
    expect(again.registered('node2')['made']).toMatchObject({ skipped: true, msg: '/srv/s/out/marker exists, matching creates option' });
  }, 300_000);

  it('runs as the login user without become; a failing script fails the host with its output', async () => {
    await lab.sh('node2', 'rm -rf /tmp/s-user');
    const run = await lab.play(`    - script: make.sh /tmp/s-user x\n    - script: fail.sh\n`, { hosts: 'node2', become: false });
    expect(run.code).toBe(2);
    const login = (await sh('node2', 'cat /tmp/s-user/user')).trim();
    expect(login).not.toBe('root');
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*"rc": 4/s);
    expect(run.stdout).toContain('non-zero return code');
    expect(run.stdout).toContain('about to fail');
  }, 300_000);

  it('gives what ansible-playbook gives: recaps and results', async () => {
    await Promise.all(['node1', 'node2'].map((n) => lab.sh(n, 'rm -rf /srv/sp')));
    const tasks = `    - script: make.sh /srv/sp "some value"
      register: made
    - script: make.sh /srv/sp again
      args: { creates: /srv/sp/marker }
      register: again
    - script: make.sh /srv/sp again
      args: { removes: /srv/sp/none }
      register: removes
    - script: info.py x
      args: { executable: python3 }
      register: py
    - script: fail.sh
      register: failing
      ignore_errors: true
`;
    const keys = ['made', 'again', 'removes', 'py', 'failing'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    // Ansible runs scripts over SSH with a tty: \r\n line ends and stderr inside stdout. Compared without the tty's doing.
    const text = (v: unknown): string => String(v ?? '').replace(/\r\n/g, '\n').trim();
    const pick = (v: Record<string, any>): unknown => ({ changed: v['changed'], failed: v['failed'] ?? false, skipped: v['skipped'], msg: v['msg'], rc: v['rc'], stdout: text(v['stdout']).replace(/\n?bad thing/, '') });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    expect(await sh('node2', 'cat /srv/sp/marker')).toBe(await sh('node1', 'cat /srv/sp/marker'));
  }, 300_000);
});

// Shares this file's lab (CI time): modules playbook does not carry, run through the controller's
// ansible-core and the node's /usr/bin/python3 over SSH (test/modules/python-module.test.ts runs them locally).
describe('a module written in Python (library/, community.general)', () => {
  const tasks = `    - file: { path: /srv/pm, state: directory }
    - my_mod: { path: /srv/pm/mine.txt, content: "hello\\n" }
      register: mine
    - community.general.ini_file: { path: /srv/pm/conf.ini, section: main, option: color, value: blue, mode: "0640" }
      register: ini
    - my_mod: { path: /srv/pm/mine.txt, bogus: 1 }
      register: bad
      ignore_errors: true
    - who_am_i: { variable: PROBE }
      environment: { PROBE: from-the-task }
      register: who
`;
  const keys = ['mine', 'ini', 'bad', 'who'];
  const env = (): Record<string, string> => ({ PLAYBOOK_ANSIBLE_PYTHON: ansiblePython() });
  const pick = (v: Record<string, any>): unknown => ({ changed: v['changed'], failed: v['failed'], msg: v['msg'], path: v['path'], mode: v['mode'], owner: v['owner'], user: v['user'], value: v['value'] });

  it('gives what ansible-playbook gives: check mode, first run, re-run, a bad argument, become and environment', async () => {
    await Promise.all(['node1', 'node2'].map((n) => lab.sh(n, 'rm -rf /srv/pm')));
    const checked = await lab.play(tasks, { hosts: 'node2', args: ['--check'], dump: keys, env: env() });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.registered('node2')['mine']).toMatchObject({ changed: true, msg: 'written' });
    expect((await lab.sh('node2', 'test -e /srv/pm')).rc).not.toBe(0);
    for (const round of [1, 2]) {
      const [ours, theirs] = await Promise.all([
        lab.play(tasks, { hosts: 'node2', dump: keys, env: env() }),
        lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' }),
      ]);
      expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
      expect(ours.code, ours.stdout + ours.stderr).toBe(0);
      expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
      expect(ours.recap('node2')).toMatchObject(round === 1 ? { changed: 3, ignored: 1 } : { changed: 0, ignored: 1 });
      for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
      expect(ours.registered('node2')['who']).toMatchObject({ user: 'root', value: 'from-the-task' });
      expect(ours.registered('node2')['bad']['msg']).toBe('Unsupported parameters for (my_mod) module: bogus. Supported parameters include: content, path.');
    }
    const files = 'cat /srv/pm/mine.txt /srv/pm/conf.ini; stat -c %a /srv/pm/conf.ini';
    expect(await sh('node2', files)).toBe(await sh('node1', files));
    expect(await sh('node2', files)).toBe('hello\n\n[main]\ncolor = blue\n640\n');
  }, 300_000);
});
