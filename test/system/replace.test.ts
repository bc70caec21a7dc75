/**
 * replace on lab nodes over SSH: a config file edited with Python regex semantics (MULTILINE
 * anchors, groups, a section between after/before), every change read back with cat/stat on the
 * node; the re-run changes nothing; check mode predicts and writes nothing; --diff shows the
 * content diff; a missing file fails naming it; and ansible-playbook on node1 gives the same
 * recap, return values and file as playbook on node2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const CONFIG = `# sshd-like config
Port 22
#PermitRootLogin yes
PasswordAuthentication yes
[section]
key = old
[other]
key = old
`;

const seed = (node: string, file: string): Promise<unknown> => lab.sh(node, `mkdir -p /srv/rep && printf '%s' '${CONFIG}' > ${file} && chmod 0644 ${file}`);
const cat = async (node: string, file: string): Promise<string> => (await lab.sh(node, `cat ${file}`)).stdout;

beforeAll(async () => {
  lab = await startModuleLab('replace');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('replace', () => {
  it('edits with groups and anchors, then a re-run changes nothing', async () => {
    await seed('node2', '/srv/rep/a.conf');
    const tasks = `    - replace:
        path: /srv/rep/a.conf
        regexp: '^#?(PermitRootLogin) \\w+$'
        replace: '\\1 no'
      register: root
    - replace:
        path: /srv/rep/a.conf
        regexp: '^key = old$'
        replace: 'key = new'
        after: '\\[section\\]'
        before: '\\[other\\]'
        mode: '0600'
      register: section
`;
    const first = await lab.play(tasks, { hosts: 'node2', dump: ['root', 'section'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    const r = first.registered('node2');
    expect(r['root']).toMatchObject({ changed: true, msg: '1 replacements made', rc: 0 });
    expect(r['section']).toMatchObject({ changed: true, msg: '1 replacements made and ownership, perms or SE linux context changed' });
    expect(await cat('node2', '/srv/rep/a.conf')).toBe(CONFIG.replace('#PermitRootLogin yes', 'PermitRootLogin no').replace('[section]\nkey = old', '[section]\nkey = new'));
    expect((await lab.sh('node2', 'stat -c %a /srv/rep/a.conf')).stdout.trim()).toBe('600');
    const again = await lab.play(tasks, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ ok: 2, changed: 0, failed: 0 });
  }, 300_000);

  it('predicts in check mode without writing, and shows the diff', async () => {
    await seed('node2', '/srv/rep/b.conf');
    const checked = await lab.play(`    - replace: { path: /srv/rep/b.conf, regexp: '^Port 22$', replace: 'Port 2222' }\n`, { hosts: 'node2', args: ['--check', '--diff'] });
    expect(checked.code, checked.stdout).toBe(0);
    expect(checked.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(checked.stdout).toContain('--- before: /srv/rep/b.conf\n+++ after: /srv/rep/b.conf\n');
    expect(checked.stdout).toMatch(/\n-Port 22\n\+Port 2222\n/);
    expect(await cat('node2', '/srv/rep/b.conf')).toBe(CONFIG);
  }, 300_000);

  it('makes a backup, and fails naming a file that does not exist', async () => {
    await seed('node2', '/srv/rep/c.conf');
    const run = await lab.play(
      `    - replace: { path: /srv/rep/c.conf, regexp: 'yes', replace: 'no', backup: true }
      register: backed
    - replace: { path: /srv/rep/missing.conf, regexp: 'x' }
      register: missing
      ignore_errors: true
`,
      { hosts: 'node2', dump: ['backed', 'missing'] },
    );
    const r = run.registered('node2');
    expect(r['backed']).toMatchObject({ changed: true, msg: '2 replacements made' });
    expect(await cat('node2', String(r['backed']['backup_file']))).toBe(CONFIG);
    expect(r['missing']).toMatchObject({ failed: true, rc: 257, msg: 'Path /srv/rep/missing.conf does not exist !' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Path \/srv\/rep\/missing\.conf does not exist !/);
  }, 300_000);

  it('gives what ansible-playbook gives: recaps, return values and the file', async () => {
    await Promise.all([seed('node1', '/srv/rep/p.conf'), seed('node2', '/srv/rep/p.conf')]);
    const tasks = `    - replace: { path: /srv/rep/p.conf, regexp: '^(\\w+) = old$', replace: '\\1 = "\\g<0>"' }
      register: groups
    - replace: { path: /srv/rep/p.conf, regexp: '^(\\w+) = old$', replace: 'unused' }
      register: again
    - replace: { path: /srv/rep/p.conf, regexp: 'Port', replace: 'port', after: 'nothing-like-this' }
      register: nosection
    - replace: { path: /srv/rep/p.conf, regexp: '^$', replace: 'x', mode: '0640' }
      register: attrs
    - replace: { path: /srv/rep/p.conf, regexp: '\\.', replace: '\\D' }
      register: badescape
      ignore_errors: true
`;
    const keys = ['groups', 'again', 'nosection', 'attrs', 'badescape'];
    const [ours, theirs] = await Promise.all([
      lab.play(tasks, { hosts: 'node2', dump: keys, args: ['--diff'] }),
      lab.play(tasks, { hosts: 'node1', dump: keys, args: ['--diff'], engine: 'ansible' }),
    ]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (v: Record<string, any>): unknown => ({ changed: v['changed'], failed: v['failed'], msg: v['msg'], rc: v['rc'], diff: v['diff'] });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    expect(await cat('node2', '/srv/rep/p.conf')).toBe(await cat('node1', '/srv/rep/p.conf'));
    const modes = await Promise.all(['node1', 'node2'].map(async (n) => (await lab.sh(n, 'stat -c %a /srv/rep/p.conf')).stdout));
    expect(modes[1]).toBe(modes[0]);
  }, 300_000);

  it('keeps the ACL and extended attributes of the file it replaces, with become and without (over SFTP)', async () => {
    const mark = (file: string, owner: string): string =>
      `printf 'a = yes\\n' > ${file} && chown ${owner} ${file} && chmod 0640 ${file} && setfacl -m u:nobody:rwx ${file} && python3 -c "import os; os.setxattr('${file}', 'user.origin', b'lab')"`;
    const marked = await lab.sh('node2', `mkdir -p /srv/rep && ${mark('/srv/rep/acl.conf', 'root:root')} && ${mark('/home/playbook/acl.conf', 'playbook')}`);
    expect(marked.rc, marked.stderr).toBe(0);
    const run = await lab.play(
      `    - replace: { path: /srv/rep/acl.conf, regexp: 'yes', replace: 'no' }
    - replace: { path: /home/playbook/acl.conf, regexp: 'yes', replace: 'no' }
      become: false
`,
      { hosts: 'node2' },
    );
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    for (const file of ['/srv/rep/acl.conf', '/home/playbook/acl.conf']) {
      expect(await cat('node2', file)).toBe('a = no\n');
      const acl = (await lab.sh('node2', `getfacl -cp ${file} && python3 -c "import os; print(os.getxattr('${file}', 'user.origin').decode())" && stat -c '%a %U' ${file}`)).stdout;
      expect(acl, file).toContain('user:nobody:rwx\n');
      expect(acl, file).toContain('\nlab\n');
      expect(acl, file).toMatch(/\n6[0-7]0 (root|playbook)\n$/);
    }
  }, 300_000);
});
