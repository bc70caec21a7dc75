/**
 * get_url on lab nodes, from the lab's mirror (http://mirror.lab:8080/, which serves the conda
 * installer stand-in with its .sha256): a download checked against a sha256 (given, or read from
 * the checksum file's URL), mode set, a re-run that downloads nothing; a checksum mismatch that
 * fails and leaves no file; an existing dest without checksum (If-Modified-Since) and force; file://
 * URLs with backup; check mode; a missing URL; and the same tasks under ansible-playbook on the
 * other node giving the same recap, return values and files.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;
let sha: string;

const URL = 'http://mirror.lab:8080/Miniforge3-Linux-x86_64.sh';

/** A server on the node: /auth/* wants basic auth lab:s3cret and the header X-Token: t0k; /slow answers after 4 s. */
const FILE_SERVER = `import base64, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Files(BaseHTTPRequestHandler):
    def send(self, status, data):
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(data)))
        if status == 401:
            self.send_header('WWW-Authenticate', 'Basic realm="lab"')
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == '/slow':
            time.sleep(4)
            return self.send(200, b'late\\n')
        if self.headers.get('Authorization') != 'Basic ' + base64.b64encode(b'lab:s3cret').decode():
            return self.send(401, b'')
        if self.headers.get('X-Token') != 't0k':
            return self.send(403, b'no token\\n')
        return self.send(200, ('secret file for %s\\n' % self.path).encode())

    def log_message(self, *args):
        pass

ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Files).serve_forever()
`;

beforeAll(async () => {
  lab = await startModuleLab('gurl');
  sha = /^conda_installer_sha256=([0-9a-f]{64})$/m.exec(readFileSync(lab.lab.inventoryPath, 'utf8'))![1]!;
  for (const node of ['node1', 'node2']) {
    await lab.sh(node, 'mkdir -p /opt/dl');
    expect((await lab.sh(node, `echo ${Buffer.from(FILE_SERVER).toString('base64')} | base64 -d > /usr/local/bin/lab-file-server`)).rc).toBe(0);
    const start = await lab.lab.exec(node, ['/bin/sh', '-c', '(python3 /usr/local/bin/lab-file-server 8093 >/dev/null 2>&1 &) ; echo started']);
    expect(start.stdout).toContain('started');
    // 8093 is 1F9D in /proc/net/tcp.
    expect((await lab.sh(node, 'for i in $(seq 100); do grep -q ":1F9D " /proc/net/tcp && exit 0; sleep 0.1; done; exit 1')).rc).toBe(0);
  }
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('get_url', () => {
  it('downloads with a sha256 checksum and a mode; a re-run downloads nothing', async () => {
    const task = `    - get_url: { url: "${URL}", dest: /opt/dl/installer.sh, checksum: "sha256:${sha}", mode: "0755" }\n      register: dl\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['dl'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(first.registered('node2')['dl']).toMatchObject({ changed: true, dest: '/opt/dl/installer.sh', url: URL, status_code: 200, msg: 'OK (17820 bytes)', mode: '0755', owner: 'root', state: 'file', size: 17820, checksum_dest: null });
    expect((await lab.sh('node2', 'sha256sum /opt/dl/installer.sh; stat -c %a /opt/dl/installer.sh; ls -a /opt/dl')).stdout).toBe(`${sha}  /opt/dl/installer.sh\n755\n.\n..\ninstaller.sh\n`);
    const again = await lab.play(task, { hosts: 'node2', dump: ['dl'] });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    expect(again.registered('node2')['dl']).toMatchObject({ changed: false, msg: 'file already exists' });
  }, 300_000);

  it('reads the checksum from a checksum file URL, into a directory', async () => {
    const run = await lab.play(`    - get_url: { url: "${URL}", dest: /opt/dl/, checksum: "sha256:${URL}.sha256" }\n      register: dl\n`, { hosts: 'node2', dump: ['dl'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.registered('node2')['dl']).toMatchObject({ changed: true, dest: '/opt/dl/Miniforge3-Linux-x86_64.sh' });
    expect((await lab.sh('node2', 'sha256sum /opt/dl/Miniforge3-Linux-x86_64.sh')).stdout.split(' ')[0]).toBe(sha);
  }, 300_000);

  it('fails on a checksum mismatch and leaves no file, not even a temporary one', async () => {
    const wrong = '0'.repeat(64);
    const run = await lab.play(`    - get_url: { url: "${URL}", dest: /opt/dl/bad.sh, checksum: "sha256:${wrong}" }\n      register: bad\n      ignore_errors: true\n`, { hosts: 'node2', dump: ['bad'] });
    expect(run.recap('node2')).toMatchObject({ failed: 0, ignored: 1 });
    expect(run.registered('node2')['bad']).toMatchObject({ failed: true, dest: '/opt/dl/bad.sh' });
    expect(run.registered('node2')['bad'].msg).toMatch(new RegExp(`^The checksum for \\S+ did not match ${wrong}; it was ${sha}\\.$`));
    expect((await lab.sh('node2', 'ls -A /opt/dl | LC_ALL=C sort')).stdout).toBe('Miniforge3-Linux-x86_64.sh\ninstaller.sh\n');
  }, 300_000);

  it('without a checksum: an existing dest is not fetched again unless force; force with the same bytes changes nothing', async () => {
    const task = (force: boolean): string => `    - get_url: { url: "${URL}", dest: /opt/dl/plain.sh, force: ${force} }\n      register: dl\n`;
    expect((await lab.play(task(false), { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 1 });
    const inode = (await lab.sh('node2', 'stat -c %i /opt/dl/plain.sh')).stdout;
    const again = await lab.play(task(false), { hosts: 'node2', dump: ['dl'] });
    expect(again.registered('node2')['dl']).toMatchObject({ changed: false, status_code: 304 });
    const forced = await lab.play(task(true), { hosts: 'node2', dump: ['dl'] });
    expect(forced.registered('node2')['dl']).toMatchObject({ changed: false, status_code: 200 });
    expect((await lab.sh('node2', 'stat -c %i /opt/dl/plain.sh')).stdout).toBe(inode);
  }, 300_000);

  it('copies file:// URLs with backup; check mode predicts without writing; a missing URL fails', async () => {
    await lab.sh('node2', 'echo old > /opt/dl/hosts.copy');
    const run = await lab.play(
      `    - get_url: { url: "file:///etc/hostname", dest: /opt/dl/hosts.copy, backup: true, force: true }
      register: copied
    - get_url: { url: "${URL}", dest: /opt/dl/checked.sh }
      check_mode: true
      register: checked
    - get_url: { url: "http://mirror.lab:8080/no-such-file", dest: /opt/dl/missing }
      register: missing
      ignore_errors: true
`,
      { hosts: 'node2', dump: ['copied', 'checked', 'missing'] },
    );
    const { copied, checked, missing } = run.registered('node2');
    expect(copied).toMatchObject({ changed: true, dest: '/opt/dl/hosts.copy', backup_file: expect.stringMatching(/^\/opt\/dl\/hosts\.copy\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/) });
    expect((await lab.sh('node2', `cat /opt/dl/hosts.copy ${copied.backup_file as string}; hostname`)).stdout).toMatch(/^(\S+)\nold\n\1\n$/);
    expect(checked).toMatchObject({ changed: true, dest: '/opt/dl/checked.sh' });
    expect(missing).toMatchObject({ failed: true, msg: 'Request failed', status_code: 404, response: 'HTTP Error 404: File not found' });
    expect((await lab.sh('node2', 'ls /opt/dl')).stdout).not.toMatch(/checked|missing|playbook-get_url/);
  }, 300_000);

  it('gives what ansible-playbook gives: recaps, return values and files', async () => {
    const tasks = `    - file: { path: /opt/parity, state: directory }
    - get_url: { url: "${URL}", dest: /opt/parity/a.sh, checksum: "sha256:${sha}", mode: "0750" }
      register: first
    - get_url: { url: "${URL}", dest: /opt/parity/a.sh, checksum: "sha256:${sha}", mode: "0750" }
      register: again
    - get_url: { url: "${URL}", dest: /opt/parity/a.sh, checksum: "sha256:${sha}", mode: "0700" }
      register: attrs
    - get_url: { url: "${URL}", dest: /opt/parity/, checksum: "sha256:${URL}.sha256" }
      register: dir
    - get_url: { url: "${URL}", dest: /opt/parity/b.sh }
      register: plain
    - get_url: { url: "${URL}", dest: /opt/parity/b.sh }
      register: plain_again
    - get_url: { url: "${URL}", dest: /opt/parity/c.sh, checksum: "sha256:${'1'.repeat(64)}" }
      register: mismatch
      ignore_errors: true
    - get_url: { url: "http://mirror.lab:8080/no-such-file", dest: /opt/parity/d }
      register: missing
      ignore_errors: true
`;
    const keys = ['first', 'again', 'attrs', 'dir', 'plain', 'plain_again', 'mismatch', 'missing'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1').failed, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    // The temporary file's name (src, and the mismatch message naming it) is the one thing that differs.
    const pick = (r: Record<string, unknown>): Record<string, unknown> => {
      const { src: _src, elapsed: _elapsed, exception: _exception, warnings: _warnings, ...rest } = r;
      return { ...rest, msg: String(rest['msg']).replace(/^The checksum for \S+/, 'The checksum for TMP') };
    };
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    const files = 'cd /opt/parity && ls -a && stat -c "%n %a %s" * && sha256sum *';
    expect((await lab.sh('node2', files)).stdout).toBe((await lab.sh('node1', files)).stdout);
  }, 300_000);

  it('sends credentials and headers, sets owner, group and mode, uses tmp_dest and gives up after timeout, as ansible-playbook does', async () => {
    for (const node of ['node1', 'node2']) await lab.sh(node, 'rm -rf /opt/auth && mkdir -p /opt/auth /var/tmp/dl');
    const tasks = `    - get_url: { url: "http://127.0.0.1:8093/auth/a.txt", dest: /opt/auth/a.txt, url_username: lab, url_password: s3cret, headers: { X-Token: t0k }, owner: nobody, group: nogroup, mode: "0640", tmp_dest: /var/tmp/dl }
      register: auth
    - get_url: { url: "http://127.0.0.1:8093/auth/a.txt", dest: /opt/auth/a.txt, url_username: lab, url_password: s3cret, headers: { X-Token: t0k }, owner: nobody, group: nogroup, mode: "0640" }
      register: auth_again
    - get_url: { url: "http://127.0.0.1:8093/auth/b.txt", dest: /opt/auth/b.txt, username: lab, password: s3cret, force_basic_auth: true, headers: { X-Token: t0k } }
      register: forced
    - get_url: { url: "http://127.0.0.1:8093/auth/c.txt", dest: /opt/auth/c.txt, url_username: lab, url_password: wrong }
      register: denied
      ignore_errors: true
    - get_url: { url: "http://127.0.0.1:8093/auth/d.txt", dest: /opt/auth/d.txt, url_username: lab, url_password: s3cret }
      register: no_token
      ignore_errors: true
    - get_url: { url: "http://127.0.0.1:8093/slow", dest: /opt/auth/slow.txt, timeout: 1 }
      register: slow
      ignore_errors: true
`;
    const keys = ['auth', 'auth_again', 'forced', 'denied', 'no_token', 'slow'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1'), theirs.stdout + theirs.stderr).toMatchObject({ failed: 0, ignored: 3 });
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const r = ours.registered('node2');
    expect(r['auth']).toMatchObject({ changed: true, owner: 'nobody', group: 'nogroup', mode: '0640', status_code: 200, msg: 'OK (28 bytes)' });
    expect(r['auth'].src).toMatch(/^\/var\/tmp\/dl\//);
    expect(r['auth_again']).toMatchObject({ changed: false });
    expect(r['denied']).toMatchObject({ failed: true, status_code: 401, msg: 'Request failed' });
    expect(r['no_token']).toMatchObject({ failed: true, status_code: 403, response: 'HTTP Error 403: Forbidden' });
    expect(r['slow']).toMatchObject({ failed: true });
    const pick = (x: Record<string, unknown>): Record<string, unknown> => {
      // Ansible warns once per fresh node that it created its remote_tmp; not the module's doing.
      const { src: _src, elapsed: _elapsed, exception: _exception, warnings: _warnings, ...rest } = x;
      return rest;
    };
    for (const k of keys) expect(pick(r[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    const files = 'cd /opt/auth && ls -A && stat -c "%n %U %G %a" * && cat * && ls -A /var/tmp/dl';
    const seen = (await lab.sh('node2', files)).stdout;
    expect(seen).toBe('a.txt\nb.txt\na.txt nobody nogroup 640\nb.txt root root 644\nsecret file for /auth/a.txt\nsecret file for /auth/b.txt\n');
    expect(seen).toBe((await lab.sh('node1', files)).stdout);
  }, 300_000);

  it('in check mode predicts as ansible-playbook does and writes nothing', async () => {
    for (const node of ['node1', 'node2']) await lab.sh(node, 'rm -rf /opt/chk && mkdir -p /opt/chk');
    const tasks = `    - get_url: { url: "${URL}", dest: /opt/chk/have.sh, checksum: "sha256:${sha}" }
      register: seed
    - get_url: { url: "${URL}", dest: /opt/chk/new.sh }
      check_mode: true
      register: new
    - get_url: { url: "${URL}", dest: /opt/chk/have.sh, checksum: "sha256:${sha}" }
      check_mode: true
      register: same
    - get_url: { url: "${URL}", dest: /opt/chk/have.sh, checksum: "sha256:${sha}", mode: "0600" }
      check_mode: true
      register: attrs
`;
    const keys = ['seed', 'new', 'same', 'attrs'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1').failed, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (x: Record<string, unknown>): Record<string, unknown> => {
      const { src: _src, elapsed: _elapsed, exception: _exception, warnings: _warnings, ...rest } = x;
      return rest;
    };
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    expect(ours.registered('node2')['new']).toMatchObject({ changed: true });
    expect(ours.registered('node2')['same']).toMatchObject({ changed: false, msg: 'file already exists' });
    expect(ours.registered('node2')['attrs']).toMatchObject({ changed: true });
    const files = 'ls -A /opt/chk; stat -c %a /opt/chk/have.sh';
    const seen = (await lab.sh('node2', files)).stdout;
    expect(seen).toBe('have.sh\n644\n');
    expect(seen).toBe((await lab.sh('node1', files)).stdout);
  }, 300_000);
});
