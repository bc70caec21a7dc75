/**
 * unarchive on lab nodes over SSH: tar (plain, gz, bz2/xz where the node has the tool) and zip
 * archives made on the node (remote_src), a zip and a tgz from the controller's files/, and a tgz
 * the node downloads from a URL; the result read back on the node (cat, stat); re-runs change
 * nothing; check mode predicts for zip and is skipped for tar; owner/group/mode on every member;
 * include, exclude, extra_opts, creates, list_files; Ansible's messages; ansible-playbook on node1
 * and playbook on node2 give the same recap, return values and files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const seed = async (node: string): Promise<void> => {
  const r = await lab.sh(
    node,
    `set -e; rm -rf /srv/u; mkdir -p /srv/u/content/top/sub /srv/u/out
cd /srv/u/content && printf 'alpha\\n' > top/a.txt && printf 'beta\\n' > top/sub/b.txt && printf 'gamma\\n' > top/c.log && chmod 0755 top/sub/b.txt
tar -cf /srv/u/arch.tar top && tar -czf /srv/u/arch.tar.gz top && python3 -m zipfile -c /srv/u/arch.zip top`,
  );
  expect(r.rc, r.stderr).toBe(0);
};
const sh = async (node: string, command: string): Promise<string> => {
  const r = await lab.sh(node, command);
  expect(r.rc, r.stderr).toBe(0);
  return r.stdout;
};

beforeAll(async () => {
  lab = await startModuleLab('unarch');
  await Promise.all(['node1', 'node2'].map((n) => lab.sh(n, 'apt-get update -qq >/dev/null && apt-get install -y -qq unzip >/dev/null', 300_000)));
  const content = path.join(lab.work, 'content');
  mkdirSync(path.join(content, 'pkg', 'bin'), { recursive: true });
  writeFileSync(path.join(content, 'pkg', 'README'), 'from the controller\n');
  writeFileSync(path.join(content, 'pkg', 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  mkdirSync(path.join(lab.work, 'files'), { recursive: true });
  execFileSync('tar', ['-czf', path.join(lab.work, 'files', 'pkg.tgz'), '-C', content, 'pkg']);
  execFileSync('zip', ['-qr', path.join(lab.work, 'files', 'pkg.zip'), 'pkg'], { cwd: content });
}, 900_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('unarchive', () => {
  it('unpacks tar, tar.gz and zip archives on the node; the re-run changes nothing', async () => {
    await seed('node2');
    const tasks = `    - file: { path: "/srv/u/{{ item }}", state: directory }
      loop: [t, tgz, zip]
    - unarchive: { src: /srv/u/arch.tar, dest: /srv/u/t, remote_src: true }
      register: t
    - unarchive: { src: /srv/u/arch.tar.gz, dest: /srv/u/tgz, remote_src: true, list_files: true }
      register: tgz
    - unarchive: { src: /srv/u/arch.zip, dest: /srv/u/zip, remote_src: true, list_files: true }
      register: zip
`;
    const first = await lab.play(tasks, { hosts: 'node2', dump: ['t', 'tgz', 'zip'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 4, failed: 0 });
    const r = first.registered('node2');
    expect(r['t']).toMatchObject({ changed: true, handler: 'TarArchive', dest: '/srv/u/t', src: '/srv/u/arch.tar', state: 'directory', owner: 'root' });
    expect(r['tgz']).toMatchObject({ changed: true, handler: 'TgzArchive' });
    expect([...(r['tgz']['files'] as string[])].sort()).toEqual(['top/', 'top/a.txt', 'top/c.log', 'top/sub/', 'top/sub/b.txt']);
    expect(r['zip']).toMatchObject({ changed: true, handler: 'ZipArchive' });
    for (const d of ['t', 'tgz', 'zip']) {
      expect(await sh('node2', `cat /srv/u/${d}/top/a.txt /srv/u/${d}/top/sub/b.txt; stat -c %a /srv/u/${d}/top/sub/b.txt`)).toBe('alpha\nbeta\n755\n');
    }
    const again = await lab.play(tasks, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    // A member changed on the node: unpacked again.
    await sh('node2', 'printf changed > /srv/u/zip/top/a.txt; printf changed > /srv/u/tgz/top/a.txt');
    const third = await lab.play(tasks, { hosts: 'node2' });
    expect(third.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect(await sh('node2', 'cat /srv/u/zip/top/a.txt /srv/u/tgz/top/a.txt')).toBe('alpha\nalpha\n');
  }, 600_000);

  it('copies archives from the controller, with owner, group and mode on every member; check mode predicts for zip', async () => {
    await seed('node2');
    await sh('node2', 'mkdir -p /srv/u/c1 /srv/u/c2 && id nobody');
    const tasks = `    - unarchive: { src: pkg.zip, dest: /srv/u/c1, owner: nobody, group: nogroup, mode: "u+rwX,g+rX,o-rwx" }
      register: z
    - unarchive: { src: pkg.tgz, dest: /srv/u/c2, mode: "0750" }
      register: t
`;
    const checked = await lab.play(tasks, { hosts: 'node2', args: ['--check'], dump: ['z', 't'] });
    expect(checked.code, checked.stdout).toBe(0);
    expect(checked.registered('node2')['z']).toMatchObject({ changed: true, handler: 'ZipArchive' });
    expect(checked.registered('node2')['t']).toMatchObject({ skipped: true, msg: 'remote module (unarchive) does not support check mode when using gtar' });
    expect(await sh('node2', 'ls -A /srv/u/c1 /srv/u/c2')).toBe('/srv/u/c1:\n\n/srv/u/c2:\n');
    const run = await lab.play(tasks, { hosts: 'node2', dump: ['z', 't'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 2 });
    expect(await sh('node2', 'stat -c "%U:%G %a %n" /srv/u/c1/pkg /srv/u/c1/pkg/README /srv/u/c1/pkg/bin/tool')).toBe('nobody:nogroup 750 /srv/u/c1/pkg\nnobody:nogroup 640 /srv/u/c1/pkg/README\nnobody:nogroup 750 /srv/u/c1/pkg/bin/tool\n');
    expect(await sh('node2', 'stat -c "%a %n" /srv/u/c2/pkg /srv/u/c2/pkg/README; cat /srv/u/c2/pkg/README')).toBe('750 /srv/u/c2/pkg\n750 /srv/u/c2/pkg/README\nfrom the controller\n');
    const again = await lab.play(tasks, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    const checkedAgain = await lab.play(tasks, { hosts: 'node2', args: ['--check'], dump: ['z'] });
    expect(checkedAgain.registered('node2')['z']).toMatchObject({ changed: false });
  }, 600_000);

  it('takes include, exclude, extra_opts and creates; downloads a URL on the node', async () => {
    await seed('node2');
    await sh('node2', 'mkdir -p /srv/u/inc /srv/u/exc /srv/u/strip /srv/u/url /srv/u/www && cp /srv/u/arch.tar.gz /srv/u/www/ && (systemctl stop unarch-www 2>/dev/null; systemd-run --unit=unarch-www python3 -m http.server 8765 --bind 127.0.0.1 --directory /srv/u/www) && for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c "import urllib.request; urllib.request.urlopen(\'http://127.0.0.1:8765/\')" 2>/dev/null && break; sleep 1; done');
    const tasks = `    - unarchive: { src: /srv/u/arch.zip, dest: /srv/u/inc, remote_src: true, include: ["top/sub/*"] }
    - unarchive: { src: /srv/u/arch.tar.gz, dest: /srv/u/exc, remote_src: true, exclude: ["top/c.log"] }
    - unarchive: { src: /srv/u/arch.tar.gz, dest: /srv/u/strip, remote_src: true, extra_opts: ["--strip-components=1"] }
    - unarchive: { src: /srv/u/arch.tar.gz, dest: /srv/u/strip, remote_src: true, creates: /srv/u/strip/a.txt }
      register: created
    - unarchive: { src: "http://127.0.0.1:8765/arch.tar.gz", dest: /srv/u/url, remote_src: true }
      register: url
`;
    const run = await lab.play(tasks, { hosts: 'node2', dump: ['created', 'url'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 4, skipped: 1 });
    expect(run.registered('node2')['created']).toMatchObject({ skipped: true, msg: 'skipped, since /srv/u/strip/a.txt exists' });
    expect(run.registered('node2')['url']).toMatchObject({ changed: true, handler: 'TgzArchive' });
    expect(await sh('node2', 'cd /srv/u && find inc exc strip url -type f | sort')).toBe('exc/top/a.txt\nexc/top/sub/b.txt\ninc/top/sub/b.txt\nstrip/a.txt\nstrip/c.log\nstrip/sub/b.txt\nurl/top/a.txt\nurl/top/c.log\nurl/top/sub/b.txt\n');
    const again = await lab.play(tasks, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    await lab.sh('node2', 'systemctl stop unarch-www');
  }, 600_000);

  it('fails naming what is wrong', async () => {
    const run = await lab.play(`    - unarchive: { src: /srv/u/arch.zip, dest: /srv/u/nowhere, remote_src: true }\n`, { hosts: 'node2' });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*dest '\/srv\/u\/nowhere' must be an existing dir/);
    const missing = await lab.play(`    - file: { path: /srv/u/m, state: directory }\n    - unarchive: { src: /srv/u/none.tgz, dest: /srv/u/m, remote_src: true }\n`, { hosts: 'node2' });
    expect(missing.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Source '\/srv\/u\/none\.tgz' does not exist/);
  }, 300_000);

  it('gives what ansible-playbook gives: recaps, return values and files', async () => {
    await Promise.all([seed('node1'), seed('node2')]);
    const tasks = `    - file: { path: "/srv/u/p/{{ item }}", state: directory }
      loop: [tgz, zip, ctl, mode]
    - unarchive: { src: /srv/u/arch.tar.gz, dest: /srv/u/p/tgz, remote_src: true, list_files: true }
      register: tgz
    - unarchive: { src: /srv/u/arch.tar.gz, dest: /srv/u/p/tgz, remote_src: true }
      register: tgz_again
    - unarchive: { src: /srv/u/arch.zip, dest: /srv/u/p/zip, remote_src: true, list_files: true }
      register: zip
    - unarchive: { src: /srv/u/arch.zip, dest: /srv/u/p/zip, remote_src: true }
      register: zip_again
    - unarchive: { src: pkg.zip, dest: /srv/u/p/ctl }
      register: ctl
    - unarchive: { src: /srv/u/arch.tar.gz, dest: /srv/u/p/mode, remote_src: true, mode: "0640" }
      register: mode
    - unarchive: { src: /srv/u/arch.tar.gz, dest: /srv/u/p/mode, remote_src: true, mode: "0640" }
      register: mode_again
    - unarchive: { src: /srv/u/arch.zip, dest: /srv/u/p/none, remote_src: true }
      register: nodest
      ignore_errors: true
    - unarchive: { src: /srv/u/none.zip, dest: /srv/u/p/zip, remote_src: true }
      register: nosrc
      ignore_errors: true
    - unarchive: { src: /srv/u/arch.zip, dest: /srv/u/p/zip, remote_src: true, creates: /srv/u/p/zip/top }
      register: created
`;
    const keys = ['tgz', 'tgz_again', 'zip', 'zip_again', 'ctl', 'mode', 'mode_again', 'nodest', 'nosrc', 'created'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (v: Record<string, any>): unknown => ({
      // The engine registers failed: false on every result, also skipped ones (Ansible's action skips have none).
      changed: v['changed'], failed: v['failed'] ?? false, skipped: v['skipped'], msg: v['msg'], handler: v['handler'], dest: v['dest'],
      src: typeof v['src'] === 'string' && v['src'].startsWith('/srv') ? v['src'] : typeof v['src'],
      files: Array.isArray(v['files']) ? [...(v['files'] as string[])].sort() : v['files'],
      state: v['state'], mode: v['mode'], owner: v['owner'], group: v['group'], uid: v['uid'], gid: v['gid'],
    });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    const listing = 'cd /srv/u/p && find . -printf "%p %y %m %s\\n" | sort';
    expect(await sh('node2', listing)).toBe(await sh('node1', listing));
  }, 600_000);
});
