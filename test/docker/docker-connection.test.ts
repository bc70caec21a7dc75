/**
 * The docker connection against real containers: commands, files (binary, modes, atomic, tmpfs),
 * become from a sudo user and from root, unreachable containers, and a playbook run by the CLI.
 */
import { createHash, randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerConnection } from '../../src/connection/docker.js';
import { UnreachableError } from '../../src/connection/types.js';
import { ContainerBuilder } from '../../src/docker/container.js';
import { removeScope } from '../../src/docker/labels.js';
import type { StartedContainer } from '../../src/docker/started-container.js';
import { cli, project } from '../engine/helpers.js';
import { IMAGE_BUILD_TIMEOUT, engine, sshdImage, testScope } from './support.js';

const scope = testScope('dockerconn');
const open: DockerConnection[] = [];
let docker: Docker;
let node: StartedContainer;

beforeAll(async () => {
  docker = await engine();
  const image = await sshdImage();
  node = await new ContainerBuilder(image).withScope(scope).withName(`${scope}-n1`).withHostname('n1').withTmpfs('/scratch', 'mode=1777').withCommand(['sleep', 'infinity']).start(docker);
  await node.exec('install -d -m 0755 -o playbook -g playbook /srv/app && useradd --system --shell /usr/sbin/nologin svc', { user: 'root' });
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await removeScope(scope, docker);
});

function conn(user?: string, container = node.name): DockerConnection {
  const c = new DockerConnection('n1', { container, ...(user !== undefined ? { user } : {}) });
  open.push(c);
  return c;
}

const sudo = { method: 'sudo' as const, user: 'root' };

describe('docker connection', () => {
  it('runs commands: argv, shell strings, stdin, env, cwd, exit codes', async () => {
    const c = conn('playbook');
    await c.connect();
    expect(await c.exec('echo out; echo err >&2; whoami; exit 3')).toEqual({ rc: 3, stdout: 'out\nplaybook\n', stderr: 'err\n' });
    expect((await c.exec(['printf', '%s|', 'a b', "it's", '$HOME'])).stdout).toBe("a b|it's|$HOME|");
    expect((await c.exec('echo "$GREETING" $(pwd)', { env: { GREETING: 'hi there' }, cwd: '/tmp' })).stdout).toBe('hi there /tmp\n');
    expect((await c.exec(['cat'], { stdin: 'piped\n' })).stdout).toBe('piped\n');
    expect((await c.exec(['pwd'], { cwd: '/nonexistent' })).rc).toBe(1);
    expect(await c.exec(['/no/such/program'])).toMatchObject({ rc: 127 });
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => c.exec(`echo ${i}`)));
    expect(many.map((r) => r.stdout)).toEqual(Array.from({ length: 12 }, (_, i) => `${i}\n`));
  });

  it('kills a command at its timeout, with everything it started', async () => {
    const c = conn('playbook');
    const started = Date.now();
    const r = await c.exec('sleep 30 & sleep 31; echo never', { timeoutMs: 400 });
    expect(r).toMatchObject({ rc: null, timedOut: true });
    expect(Date.now() - started).toBeLessThan(15_000); // long before the command would end on its own
    expect((await c.exec('ps -eo args | grep -c "^sleep 3[01]" || true')).stdout).toBe('0\n');
    // Under sudo too: the script re-exports the id sudo's environment reset drops.
    const s = await c.exec(['sleep', '32'], { timeoutMs: 400, become: sudo });
    expect(s.timedOut).toBe(true);
    expect((await c.exec('ps -eo args | grep -c "^sleep 32" || true')).stdout).toBe('0\n');
  });

  it('writes, reads and stats files byte for byte, with modes, atomically', async () => {
    const c = conn('playbook');
    const file = '/srv/app/blob.bin';
    expect(await c.readFile(file)).toBeNull();
    expect(await c.stat(file)).toBeNull();
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(3 * 1024 * 1024), Buffer.from('\r\n\0')]);
    await c.writeFile(file, bytes, { mode: 0o640 });
    expect((await c.readFile(file))?.equals(bytes)).toBe(true);
    const first = await c.stat(file, { checksum: true });
    expect(first).toMatchObject({ type: 'file', mode: 0o640, owner: 'playbook', group: 'playbook', size: bytes.length, checksum: createHash('sha1').update(bytes).digest('hex') });
    expect(Math.abs((first?.mtime ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    // A rewrite replaces the file by rename (a new inode), and leaves no temp file behind.
    await c.writeFile(file, 'second\n', { mode: 0o600 });
    const second = await c.stat(file);
    expect(second).toMatchObject({ mode: 0o600, size: 7 });
    expect(second?.inode).not.toBe(first?.inode);
    expect((await c.exec(['ls', '-A', '/srv/app'])).stdout).toBe('blob.bin\n');
    expect((await c.stat('/srv/app'))?.type).toBe('directory');
  });

  it('writes into a tmpfs mount, and fails clearly where it may not write', async () => {
    const c = conn('playbook');
    await c.writeFile('/scratch/note.txt', 'on tmpfs\n', { mode: 0o644 });
    expect((await c.readFile('/scratch/note.txt'))?.toString()).toBe('on tmpfs\n');
    await expect(c.writeFile('/etc/app.conf', 'x')).rejects.toThrow(/writing \/etc\/app\.conf on n1 failed: .*Permission denied/);
    expect((await c.exec('ls -A /etc | grep -c "app.conf" || true')).stdout).toBe('0\n'); // no temp file left either
    await expect(c.writeFile('/nonexistent/dir/f', 'x')).rejects.toThrow(/No such file or directory/);
    await expect(c.readFile('/etc/shadow')).rejects.toThrow(/Permission denied/);
  });

  it('becomes root or another user through sudo, and from a root login directly', async () => {
    const c = conn('playbook');
    expect((await c.exec(['id', '-un'], { become: sudo })).stdout).toBe('root\n');
    expect((await c.exec(['id', '-un'], { become: { method: 'sudo', user: 'svc' } })).stdout).toBe('svc\n');
    expect((await c.exec(['cat'], { become: sudo, stdin: 'data\n' })).stdout).toBe('data\n');
    // /etc/shadow, which only root reads (systemd's own users come first in it since the image has systemd).
    expect((await c.readFile('/etc/shadow', { become: sudo }))?.toString()).toMatch(/^root:/m);
    await c.writeFile('/etc/app.conf', 'secret\n', { mode: 0o600, owner: 'svc', group: 'root' }, { become: sudo });
    expect(await c.stat('/etc/app.conf', { become: sudo })).toMatchObject({ mode: 0o600, owner: 'svc', group: 'root' });
    expect((await c.readFile('/etc/app.conf', { become: { method: 'sudo', user: 'svc' } }))?.toString()).toBe('secret\n');

    const root = conn(); // the image's own user: root
    expect((await root.exec(['id', '-un'])).stdout).toBe('root\n');
    expect((await root.exec(['id', '-un'], { become: { method: 'sudo', user: 'playbook' } })).stdout).toBe('playbook\n');
    await root.writeFile('/srv/app/mine', 'x', {}, { become: { method: 'sudo', user: 'playbook' } });
    expect(await root.stat('/srv/app/mine')).toMatchObject({ owner: 'playbook', mode: 0o644 });
  });

  it('makes a missing, stopped or inaccessible container UNREACHABLE', async () => {
    const missing = await conn(undefined, `${scope}-absent`).connect().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UnreachableError);
    expect((missing as Error).message).toMatch(new RegExp(`container ${scope}-absent on the Docker engine at .*: no such container`));

    const stopped = await new ContainerBuilder(node.container.id ? (await node.container.inspect()).Config.Image : '').withScope(scope).withName(`${scope}-stopped`).withCommand(['true']).start(docker);
    await stopped.container.wait();
    const down = await conn(undefined, stopped.name).connect().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(UnreachableError);
    expect((down as Error).message).toMatch(/not running \(exited, exit code 0\)/);

    const nobody = await conn('no-such-user').connect().catch((e: unknown) => e);
    expect(nobody).toBeInstanceOf(UnreachableError);
    expect((nobody as Error).message).toMatch(/cannot run commands as no-such-user: unable to find user/);

    const engineArgs = new DockerConnection('n1', { container: node.name, unsupportedArgs: ['--tlsverify'] });
    await expect(engineArgs.connect()).rejects.toThrow(/only -H\/--host <engine> is supported, not --tlsverify/);
  });

  it('runs a playbook with ansible_connection=docker through the CLI', async () => {
    const dir = project({
      'inventory.ini': `[nodes]\nn1 ansible_connection=docker ansible_host=${node.name} ansible_user=playbook\ngone ansible_connection=docker ansible_host=${scope}-gone\n`,
      'pb.yml': `- hosts: nodes
  gather_facts: false
  tasks:
    - file: { path: /opt/site, state: directory, mode: "0755", owner: playbook }
      become: true
    - copy: { dest: /opt/site/app.env, content: "NODE={{ inventory_hostname }}\\n", mode: "0640" }
    - command: cat /opt/site/app.env
      register: out
      changed_when: false
    - assert: { that: [ "out.stdout == 'NODE=n1'" ] }
`,
    });
    const first = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    const recap = (text: string, host: string): string | undefined => text.split('\n').find((l) => l.startsWith(host + ' ') && l.includes(' : ok='));
    expect(recap(first.stdout, 'n1'), first.stdout + first.stderr).toMatch(/ok=4\s+changed=2\s+unreachable=0\s+failed=0/);
    expect(recap(first.stdout, 'gone')).toMatch(/ok=0\s+changed=0\s+unreachable=1\s+failed=0/);
    expect(first.stdout).toMatch(/UNREACHABLE!.*no such container/);
    expect(first.code).toBe(4);
    const second = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '--limit', 'n1'], dir);
    expect(recap(second.stdout, 'n1'), second.stdout + second.stderr).toMatch(/ok=4\s+changed=0\s+unreachable=0\s+failed=0/);
    expect(second.code).toBe(0);
  });
});
