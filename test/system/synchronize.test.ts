/**
 * synchronize on lab nodes: rsync from the controller to a node over ssh with the inventory's
 * address, port, user and key (become through rsync_path), and back (pull); trailing-slash
 * semantics; delete; a re-run changes nothing; check mode (--dry-run) predicts without changing; a
 * 500 MB file shows progress lines; node to node with delegate_to; ansible-playbook on node1 and
 * playbook on node2 give the same recap and itemized output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;
let tree: string;

const sh = async (node: string, command: string): Promise<string> => {
  const r = await lab.sh(node, command);
  expect(r.rc, r.stderr).toBe(0);
  return r.stdout;
};

beforeAll(async () => {
  lab = await startModuleLab('sync');
  tree = path.join(lab.work, 'tree');
  mkdirSync(path.join(tree, 'sub'), { recursive: true });
  writeFileSync(path.join(tree, 'a.txt'), 'alpha\n');
  writeFileSync(path.join(tree, 'sub', 'b.txt'), 'beta\n');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('synchronize', () => {
  it('pushes a tree to the node (contents with a trailing slash, the directory without); the re-run changes nothing; delete removes extras', async () => {
    await sh('node2', 'rm -rf /srv/sync && mkdir -p /srv/sync/into && touch /srv/sync/into/extra');
    const tasks = `    - synchronize: { src: "${tree}/", dest: /srv/sync/into, delete: true }
      register: contents
    - synchronize: { src: "${tree}", dest: /srv/sync }
      register: dir
`;
    const first = await lab.play(tasks, { hosts: 'node2', dump: ['contents', 'dir'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect(await sh('node2', 'cd /srv/sync && find . -type f | sort && cat into/sub/b.txt tree/a.txt')).toBe('./into/a.txt\n./into/sub/b.txt\n./tree/a.txt\n./tree/sub/b.txt\nbeta\nalpha\n');
    const r = first.registered('node2');
    // rsync also itemizes the destination folder itself (`.d..t...... ./`) when its time differs
    // from the source's at that moment, which depends on the clock, not on the module.
    const itemized = (r['contents']['stdout_lines'] as string[]).filter((l) => !/^\.d\.\.t\.+ \.\/$/.test(l));
    expect(itemized.sort()).toEqual(['*deleting   extra', '<f+++++++++ a.txt', '<f+++++++++ sub/b.txt', 'cd+++++++++ sub/']);
    expect(r['contents']['cmd']).toMatch(/--rsync-path='sudo -u root rsync'.*playbook@127\.0\.0\.1:\/srv\/sync\/into$/);
    expect(r['contents']['rc']).toBe(0);
    const again = await lab.play(tasks, { hosts: 'node2', dump: ['contents'] });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    expect(again.registered('node2')['contents']['stdout_lines']).toEqual([]);
  }, 300_000);

  it('predicts in check mode without changing; pulls from the node into the controller', async () => {
    await sh('node2', 'rm -rf /srv/sync2 && mkdir -p /srv/sync2 /srv/pull && printf "from node\\n" > /srv/pull/n.txt');
    const push = `    - synchronize: { src: "${tree}/", dest: /srv/sync2 }\n      register: p\n`;
    const checked = await lab.play(push, { hosts: 'node2', args: ['--check'], dump: ['p'] });
    expect(checked.code, checked.stdout).toBe(0);
    expect(checked.registered('node2')['p']).toMatchObject({ changed: true });
    expect(checked.registered('node2')['p']['cmd']).toContain('--dry-run');
    expect(await sh('node2', 'ls -A /srv/sync2')).toBe('');
    const pull = await lab.play(`    - synchronize: { mode: pull, src: /srv/pull/, dest: "${lab.work}/pulled" }\n`, { hosts: 'node2' });
    expect(pull.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(readFileSync(path.join(lab.work, 'pulled', 'n.txt'), 'utf8')).toBe('from node\n');
  }, 300_000);

  it('reports progress while a 500 MB file goes over', async () => {
    const big = path.join(lab.work, 'big');
    mkdirSync(big, { recursive: true });
    execFileSync('dd', ['if=/dev/urandom', `of=${path.join(big, 'data.bin')}`, 'bs=1M', 'count=500', 'status=none']);
    const run = await lab.play(`    - synchronize: { src: "${big}/", dest: /srv/big/, compress: false }\n`, { hosts: 'node2', timeoutMs: 600_000 });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 1 });
    expect(run.stdout).toMatch(/PROGRESS \[node2\]: [\d,]+ \d+%/);
    expect(await sh('node2', 'stat -c %s /srv/big/data.bin')).toBe('524288000\n');
    execFileSync('rm', ['-rf', big]);
    await sh('node2', 'rm -rf /srv/big');
  }, 900_000);

  it('copies node to node with delegate_to: rsync runs on the delegate', async () => {
    const inventory = readFileSync(lab.lab.inventoryPath, 'utf8');
    const key = /ansible_ssh_private_key_file=(\S+)/.exec(inventory)?.[1] ?? '';
    expect(existsSync(key), key).toBe(true);
    const keyText = readFileSync(key).toString('base64');
    await sh('node1', `install -d -o playbook -m 700 /home/playbook/.ssh && printf %s '${keyText}' | base64 -d > /home/playbook/.ssh/labkey && chown playbook /home/playbook/.ssh/labkey && chmod 600 /home/playbook/.ssh/labkey && rm -rf /srv/n1 && mkdir -p /srv/n1/d && printf 'node1 data\\n' > /srv/n1/d/f.txt && chmod -R a+rX /srv/n1`);
    await sh('node2', 'rm -rf /srv/fromn1');
    const task = `    - synchronize: { src: /srv/n1/, dest: "{{ cluster_ip }}:/srv/fromn1/", dest_port: 22, private_key: /home/playbook/.ssh/labkey }
      delegate_to: node1
      register: n2n
`;
    const run = await lab.play(task, { hosts: 'node2', dump: ['n2n'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await sh('node2', 'cat /srv/fromn1/d/f.txt')).toBe('node1 data\n');
    expect(run.registered('node2')['n2n']['cmd']).toMatch(/playbook@\d+\.\d+\.\d+\.\d+:\/srv\/fromn1\/$/);
    const again = await lab.play(task, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('gives what ansible-playbook gives: recaps and itemized output', async () => {
    await Promise.all(['node1', 'node2'].map((n) => sh(n, 'rm -rf /srv/ps && mkdir -p /srv/ps/dst && touch /srv/ps/dst/extra && mkdir -p /srv/ps/pull && printf "p\\n" > /srv/ps/pull/p.txt')));
    const tasks = `    - synchronize: { src: "${tree}/", dest: /srv/ps/dst, delete: true, checksum: true }
      register: push
    - synchronize: { src: "${tree}/", dest: /srv/ps/dst, delete: true, checksum: true }
      register: again
    - synchronize: { src: "${tree}", dest: /srv/ps, recursive: true, archive: false }
      register: plain
    - synchronize: { mode: pull, src: /srv/ps/pull/, dest: "${lab.work}/pulled-{{ inventory_hostname }}" }
      register: pull
    - synchronize: { src: /nonexistent/, dest: /srv/ps/none }
      register: missing
      ignore_errors: true
`;
    const keys = ['push', 'again', 'plain', 'pull', 'missing'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const lines = (text: string): string[] => text.replace(/node[12]/g, 'HOST').replace(/\]:\d+/g, ']:PORT').split('\n').filter((l) => !/^rsync/.test(l)).join('\n').trim().split('\n').sort();
    const pick = (v: Record<string, any>): unknown => ({ changed: v['changed'], failed: v['failed'], rc: v['rc'], stdout_lines: v['stdout_lines'] ? lines((v['stdout_lines'] as string[]).join('\n')) : undefined, msg: typeof v['msg'] === 'string' ? lines(v['msg']) : v['msg'] });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    const listing = 'cd /srv/ps && find . -printf "%p %y %m %s\\n" | sort';
    expect(await sh('node2', listing)).toBe(await sh('node1', listing));
  }, 300_000);
});
