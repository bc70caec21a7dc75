/**
 * uri on lab nodes: requests made on the node to a small HTTP server running there (it echoes the
 * request as JSON, answers any status, redirects, asks for basic auth): GET and POST with JSON and
 * form bodies, `json` in the result, a status outside status_code failing with Ansible's message,
 * basic auth (on the server's challenge, and forced), redirects followed or not, dest and creates,
 * check mode (skipped, as in Ansible), and the same tasks under ansible-playbook on the other node
 * giving the same recap and return values.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

/** The lab's echo server: the request back as JSON; /status/N answers N, /redirect sends to /landed, /basic wants lab:s3cret. */
const ECHO_SERVER = `import base64, json, ssl, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Echo(BaseHTTPRequestHandler):
    def reply(self, status, payload, headers=()):
        data = json.dumps(payload, sort_keys=True).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.send_header('X-Lab-Echo', 'yes')
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length).decode() if length else ''
        seen = {'method': self.command, 'path': self.path, 'body': body, 'content_type': self.headers.get('Content-Type'), 'user_agent': self.headers.get('User-Agent')}
        if self.path.startswith('/status/'):
            return self.reply(int(self.path.split('/')[2]), seen)
        if self.path == '/redirect':
            self.send_response(302)
            self.send_header('Location', '/landed')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        if self.path == '/basic':
            if self.headers.get('Authorization') != 'Basic ' + base64.b64encode(b'lab:s3cret').decode():
                self.send_response(401)
                self.send_header('WWW-Authenticate', 'Basic realm="lab"')
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            return self.reply(200, dict(seen, user='lab'))
        if self.path == '/slow':
            time.sleep(4)
            return self.reply(200, seen)
        if self.path == '/text':
            data = b'plain text body\\n'
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain; charset=utf-8')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        return self.reply(200, seen)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Echo)
if len(sys.argv) > 2:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
`;

beforeAll(async () => {
  lab = await startModuleLab('uri');
  // A self-signed certificate for 127.0.0.1, for the HTTPS server on port 8443.
  const certDir = mkdtempSync(path.join(tmpdir(), 'pb-uri-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem')], { stdio: 'ignore' });
  const pem = (name: string): string => readFileSync(path.join(certDir, name)).toString('base64');
  for (const node of ['node1', 'node2']) {
    const put = await lab.sh(node, `echo ${Buffer.from(ECHO_SERVER).toString('base64')} | base64 -d > /usr/local/bin/lab-echo-server`);
    expect(put.rc).toBe(0);
    expect((await lab.sh(node, `echo ${pem('cert.pem')} | base64 -d > /etc/lab-cert.pem && echo ${pem('key.pem')} | base64 -d > /etc/lab-key.pem`)).rc).toBe(0);
    const start = await lab.lab.exec(node, ['/bin/sh', '-c', '(python3 /usr/local/bin/lab-echo-server 8089 >/dev/null 2>&1 &) ; (python3 /usr/local/bin/lab-echo-server 8443 /etc/lab-cert.pem /etc/lab-key.pem >/dev/null 2>&1 &) ; echo started']);
    expect(start.stdout).toContain('started');
    // Both listening (8089 and 8443 in hex, in /proc/net/tcp).
    const up = await lab.sh(node, 'for i in $(seq 100); do grep -q ":1F99 " /proc/net/tcp && grep -q ":20FB " /proc/net/tcp && exit 0; sleep 0.1; done; exit 1');
    expect(up.rc).toBe(0);
  }
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

const URL = 'http://127.0.0.1:8089';

describe('uri', () => {
  it('GETs and POSTs JSON and form bodies; the JSON answer comes back as json', async () => {
    const run = await lab.play(
      `    - uri: { url: "${URL}/hello?x=1" }
      register: get
    - uri:
        url: ${URL}/post
        method: POST
        body_format: json
        body: { name: ray, nodes: [1, 2], ok: true }
        status_code: [200, 201]
      register: post
    - uri: { url: ${URL}/form, method: post, body_format: form-urlencoded, body: { a: "1 2", b: [x, y] }, return_content: true, headers: { X-Trace: abc } }
      register: form
`,
      { hosts: 'node2', dump: ['get', 'post', 'form'], become: false },
    );
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ ok: 4, changed: 0, failed: 0 });
    const { get, post, form } = run.registered('node2');
    expect(get).toMatchObject({ changed: false, status: 200, url: `${URL}/hello?x=1`, redirected: false, msg: 'OK (106 bytes)', content_type: 'application/json', x_lab_echo: 'yes', content_length: '106' });
    expect(get.json).toEqual({ method: 'GET', path: '/hello?x=1', body: '', content_type: null, user_agent: 'ansible-httpget' });
    expect(get.content).toBeUndefined();
    expect(post.json).toMatchObject({ method: 'POST', content_type: 'application/json', body: '{"name": "ray", "nodes": [1, 2], "ok": true}' });
    expect(form.json).toMatchObject({ method: 'POST', content_type: 'application/x-www-form-urlencoded', body: 'a=1+2&b=x&b=y' });
    expect(JSON.parse(form.content as string)).toEqual(form.json);
  }, 300_000);

  it('fails with Ansible\'s message on a status outside status_code, and when nothing listens', async () => {
    const run = await lab.play(
      `    - uri: { url: "${URL}/status/404" }
      register: missing
      ignore_errors: true
    - uri: { url: "${URL}/status/503", status_code: [200, 202] }
      register: busy
      ignore_errors: true
    - uri: { url: "http://127.0.0.1:8099/" }
      register: refused
      ignore_errors: true
`,
      { hosts: 'node2', dump: ['missing', 'busy', 'refused'] },
    );
    expect(run.recap('node2')).toMatchObject({ failed: 0, ignored: 3 });
    const { missing, busy, refused } = run.registered('node2');
    expect(missing).toMatchObject({ failed: true, status: 404, msg: 'Status code was 404 and not [200]: HTTP Error 404: Not Found' });
    expect(missing.json).toMatchObject({ path: '/status/404' });
    expect(busy).toMatchObject({ failed: true, status: 503, msg: 'Status code was 503 and not [200, 202]: HTTP Error 503: Service Unavailable' });
    expect(refused).toMatchObject({ failed: true, status: -1, msg: 'Status code was -1 and not [200]: Request failed: <urlopen error [Errno 111] Connection refused>' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Status code was 404 and not \[200\]: HTTP Error 404: Not Found/);
  }, 300_000);

  it('authenticates with basic auth, on the challenge and forced; follows redirects or not', async () => {
    const run = await lab.play(
      `    - uri: { url: "${URL}/basic", url_username: lab, url_password: s3cret }
      register: challenged
    - uri: { url: "${URL}/basic", user: lab, password: s3cret, force_basic_auth: true }
      register: forced
    - uri: { url: "${URL}/basic", url_username: lab, url_password: wrong }
      register: wrong
      ignore_errors: true
    - uri: { url: "${URL}/redirect" }
      register: followed
    - uri: { url: "${URL}/redirect", follow_redirects: none, status_code: 302 }
      register: stopped
`,
      { hosts: 'node2', dump: ['challenged', 'forced', 'wrong', 'followed', 'stopped'] },
    );
    expect(run.recap('node2')).toMatchObject({ failed: 0, ignored: 1 });
    const r = run.registered('node2');
    expect(r['challenged']).toMatchObject({ status: 200, json: { user: 'lab' } });
    expect(r['forced']).toMatchObject({ status: 200, json: { user: 'lab' } });
    expect(r['wrong']).toMatchObject({ failed: true, status: 401 });
    expect(r['followed']).toMatchObject({ status: 200, redirected: true, url: `${URL}/landed`, json: { path: '/landed' } });
    expect(r['stopped']).toMatchObject({ status: 302, redirected: false, location: `${URL}/landed` });
  }, 300_000);

  it('writes the answer to dest (changed) and skips when creates exists; check mode skips the task', async () => {
    const task = `    - uri: { url: "${URL}/text", dest: /tmp/uri-answer.txt, mode: "0640", creates: /tmp/uri-done }\n      register: saved\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['saved'] });
    expect(first.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(first.registered('node2')['saved']).toMatchObject({ changed: true, status: 200, path: '/tmp/uri-answer.txt', mode: '0640', state: 'file', size: 16 });
    expect((await lab.sh('node2', 'stat -c %a /tmp/uri-answer.txt; cat /tmp/uri-answer.txt')).stdout).toBe('640\nplain text body\n');
    await lab.sh('node2', 'touch /tmp/uri-done');
    const skipped = await lab.play(task, { hosts: 'node2', dump: ['saved'] });
    expect(skipped.registered('node2')['saved']).toMatchObject({ changed: false, stdout: "skipped, since '/tmp/uri-done' exists" });
    const checked = await lab.play(`    - uri: { url: "${URL}/status/500" }\n`, { hosts: 'node2', args: ['--check'] });
    expect(checked.recap('node2')).toMatchObject({ skipped: 1, failed: 0 });
  }, 300_000);

  it('gives what ansible-playbook gives: the same recaps and return values on two nodes', async () => {
    const tasks = `    - uri: { url: "${URL}/hello" }
      register: get
    - uri: { url: "${URL}/post", method: POST, body_format: json, body: { a: 1, b: [true, null] }, return_content: true }
      register: post
    - uri: { url: "${URL}/form", method: PUT, body_format: form-urlencoded, body: [[k, v1], [k, v2]] }
      register: form
    - uri: { url: "${URL}/basic", url_username: lab, url_password: s3cret }
      register: basic
    - uri: { url: "${URL}/redirect", method: POST, status_code: [302] }
      register: unsafe
    - uri: { url: "${URL}/text", return_content: true }
      register: text
    - uri: { url: "${URL}/status/418" }
      register: teapot
      ignore_errors: true
`;
    const keys = ['get', 'post', 'form', 'basic', 'unsafe', 'text', 'teapot'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1').failed, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (r: Record<string, unknown>): Record<string, unknown> => {
      const { date: _date, elapsed: _elapsed, exception: _exception, warnings: _warnings, ...rest } = r;
      return rest;
    };
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
  }, 300_000);

  it('checks certificates unless validate_certs is false, gives up after timeout, and honours removes, as ansible-playbook does', async () => {
    const tasks = `    - uri: { url: "https://127.0.0.1:8443/secure" }
      register: untrusted
      ignore_errors: true
    - uri: { url: "https://127.0.0.1:8443/secure", validate_certs: false }
      register: unchecked
    - uri: { url: "${URL}/slow", timeout: 1 }
      register: slow
      ignore_errors: true
    - uri: { url: "${URL}/removes", removes: /nonexistent/file }
      register: not_removed
    - uri: { url: "${URL}/removes", removes: /etc/hostname, method: DELETE }
      register: removes_there
`;
    const keys = ['untrusted', 'unchecked', 'slow', 'not_removed', 'removes_there'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1'), theirs.stdout + theirs.stderr).toMatchObject({ failed: 0, ignored: 2 });
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const r = ours.registered('node2');
    expect(r['untrusted']).toMatchObject({ failed: true, status: -1 });
    expect(r['untrusted'].msg).toMatch(/^Status code was -1 and not \[200\]: Request failed: <urlopen error \[SSL: CERTIFICATE_VERIFY_FAILED\] certificate verify failed: self.signed certificate/);
    expect(r['unchecked']).toMatchObject({ status: 200, url: 'https://127.0.0.1:8443/secure', json: { path: '/secure' } });
    expect(r['slow']).toMatchObject({ failed: true, status: -1 });
    expect(r['not_removed']).toMatchObject({ changed: false, stdout: "skipped, since '/nonexistent/file' does not exist" });
    expect(r['removes_there']).toMatchObject({ status: 200, json: { method: 'DELETE' } });
    const pick = (x: Record<string, unknown>): Record<string, unknown> => {
      const { date: _date, elapsed: _elapsed, exception: _exception, warnings: _warnings, ...rest } = x;
      return rest;
    };
    for (const k of keys) expect(pick(r[k]), k).toEqual(pick(theirs.registered('node1')[k]));
  }, 300_000);

  it('writes dest as ansible-playbook does: a new file, a rewrite keeping the mode, a directory as dest', async () => {
    for (const node of ['node1', 'node2']) await lab.sh(node, 'rm -rf /opt/uri && mkdir -p /opt/uri/dir && echo old > /opt/uri/kept.json && chmod 0604 /opt/uri/kept.json');
    const tasks = `    - uri: { url: "${URL}/text", dest: /opt/uri/new.txt }
      register: new
    - uri: { url: "${URL}/text", dest: /opt/uri/new.txt }
      register: same
    - uri: { url: "${URL}/kept", dest: /opt/uri/kept.json }
      register: kept
    - uri: { url: "${URL}/text", dest: /opt/uri/dir }
      register: into_dir
`;
    const keys = ['new', 'same', 'kept', 'into_dir'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1'), theirs.stdout + theirs.stderr).toMatchObject({ failed: 0, changed: 4 });
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (x: Record<string, unknown>): Record<string, unknown> => {
      const { date: _date, elapsed: _elapsed, exception: _exception, warnings: _warnings, ...rest } = x;
      return rest;
    };
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    expect(ours.registered('node2')['into_dir']).toMatchObject({ path: '/opt/uri/dir/text' });
    const files = 'cd /opt/uri && find . -type f | LC_ALL=C sort | xargs stat -c "%n %U %a %s"';
    const seen = (await lab.sh('node2', files)).stdout;
    expect(seen).toBe('./dir/text root 644 16\n./kept.json root 604 101\n./new.txt root 644 16\n');
    expect(seen).toBe((await lab.sh('node1', files)).stdout);
  }, 300_000);
});
