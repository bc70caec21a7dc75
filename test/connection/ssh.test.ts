/** The SSH connection against a real sshd on the loopback: auth, host keys, files, channels, become, a playbook. */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection } from '../../src/connection/ssh.js';
import { sshOptionsFromVars } from '../../src/connection/ssh-options.js';
import { UnreachableError } from '../../src/connection/types.js';
import { project, recapLine, run } from '../engine/helpers.js';
import { OTHER, PASSWORD, type Sshd, USER, connectionVars, startSshd } from './sshd.js';

let sshd: Sshd;
const open: SshConnection[] = [];

beforeAll(async () => {
  sshd = await startSshd();
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await sshd?.stop();
});

function conn(vars: Record<string, unknown> = {}): SshConnection {
  const all = connectionVars(sshd, vars);
  const c = new SshConnection('node1', sshOptionsFromVars('node1', (n) => all[n], {}));
  open.push(c);
  return c;
}

function userDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-ssh-files-'));
  chownSync(dir, Number(process.env['SUDO_UID'] ?? 0), 0);
  return dir;
}

describe('ssh connection', () => {
  it('runs commands over key auth: stdout, stderr and rc', async () => {
    const c = conn();
    await c.connect();
    const r = await c.exec('echo out; echo err >&2; whoami; exit 3');
    expect(r).toEqual({ rc: 3, stdout: `out\n${USER}\n`, stderr: 'err\n' });
    const argv = await c.exec(['printf', '%s|', 'a b', "it's", '$HOME']);
    expect(argv.stdout).toBe("a b|it's|$HOME|");
    const withEnv = await c.exec('echo "$GREETING" $(pwd)', { env: { GREETING: 'hi there' }, cwd: '/tmp', stdin: 'x' });
    expect(withEnv.stdout).toBe('hi there /tmp\n');
    expect((await c.exec(['cat'], { stdin: 'piped\n' })).stdout).toBe('piped\n');
  });

  it('authenticates with a password', async () => {
    const c = conn({ ansible_ssh_private_key_file: '/nonexistent', ansible_password: PASSWORD });
    expect((await c.exec(['id', '-un'])).stdout).toBe(`${USER}\n`);
  });

  it('makes a host with a wrong key unreachable without affecting other connections', async () => {
    const good = conn();
    await good.connect();
    const bad = conn({ ansible_ssh_private_key_file: sshd.wrongKey });
    const err = await bad.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(String((err as Error).message)).toMatch(new RegExp(`127\\.0\\.0\\.1:${sshd.port}.*authentication`, 'i'));
    expect((await good.exec('echo still')).stdout).toBe('still\n');
  });

  it('refuses an unknown host key and names its SHA256 fingerprint', async () => {
    const empty = path.join(sshd.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const blob = Buffer.from(sshd.hostPublicKey.split(' ')[1] ?? '', 'base64');
    const fp = 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
    const err = await conn({ ansible_ssh_common_args: `-o UserKnownHostsFile=${empty}` })
      .connect()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toContain(fp);
    expect((err as Error).message).toContain(`[127.0.0.1]:${sshd.port}`);
  });

  it('refuses a changed host key loudly', async () => {
    const other = path.join(sshd.dir, 'changed_known_hosts');
    const wrongPub = (await import('node:fs')).readFileSync(sshd.wrongKey + '.pub', 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(other, `[127.0.0.1]:${sshd.port} ${wrongPub}\n`);
    const err = await conn({ ansible_ssh_common_args: `-o UserKnownHostsFile=${other}` })
      .connect()
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
  });

  it('accepts hashed known_hosts entries, and any key when host key checking is off', async () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update(`[127.0.0.1]:${sshd.port}`).digest('base64');
    const hashed = path.join(sshd.dir, 'hashed_known_hosts');
    writeFileSync(hashed, `|1|${salt.toString('base64')}|${hash} ${sshd.hostPublicKey}\n`);
    expect((await conn({ ansible_ssh_common_args: `-o UserKnownHostsFile=${hashed}` }).exec('echo ok')).stdout).toBe('ok\n');
    const empty = path.join(sshd.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const off = conn({ ansible_ssh_common_args: `-o UserKnownHostsFile=${empty}`, ansible_host_key_checking: 'false' });
    expect((await off.exec('echo ok')).stdout).toBe('ok\n');
  });

  it('writes, stats and reads files atomically over SFTP', async () => {
    const c = conn();
    const dir = userDir();
    await c.exec(['chown', USER, dir], { become: { method: 'sudo', user: 'root', password: PASSWORD } });
    const file = path.join(dir, 'app.conf');
    expect(await c.readFile(file)).toBeNull();
    expect(await c.stat(file)).toBeNull();
    await c.writeFile(file, 'first\n', { mode: 0o640 });
    await c.writeFile(file, Buffer.from('second\n'), { mode: 0o640 });
    expect((await c.readFile(file))?.toString()).toBe('second\n');
    const st = await c.stat(file, { checksum: true });
    expect(st).toMatchObject({ type: 'file', mode: 0o640, owner: USER, size: 7, checksum: createHash('sha1').update('second\n').digest('hex') });
    expect(readdirSync(dir)).toEqual(['app.conf']);
    expect((await c.stat(dir))?.type).toBe('directory');
    // With its content, in the same round trip: a regular file's bytes, a link's or a directory's none.
    expect((await c.stat(file, { content: true }))?.content?.toString()).toBe('second\n');
    await c.exec(['ln', '-s', 'app.conf', path.join(dir, 'link')]);
    expect((await c.stat(path.join(dir, 'link'), { content: true }))?.content).toBeUndefined();
    expect((await c.stat(path.join(dir, 'link'), { content: true, follow: true }))?.content?.toString()).toBe('second\n');
    expect((await c.stat(dir, { content: true }))?.content).toBeUndefined();
  });

  it('runs 20 concurrent commands on one connection with MaxSessions 10', async () => {
    const c = conn({ ansible_ssh_max_sessions: 10 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => c.exec(`sleep 0.2; echo ${i}`)));
    expect(results.map((r) => r.rc)).toEqual(Array(20).fill(0));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
  });

  it('becomes another user with sudo, without and with a password kept off the command line', async () => {
    const c = conn();
    const nopass = await c.exec(['id', '-un'], { become: { method: 'sudo', user: OTHER } });
    expect(nopass).toMatchObject({ rc: 0, stdout: `${OTHER}\n` });
    const withStdin = await c.exec(['cat'], { become: { method: 'sudo', user: OTHER, password: PASSWORD }, stdin: 'data\n' });
    expect(withStdin.stdout).toBe('data\n'); // the password went to sudo, not to the command
    const root = await c.exec('id -un; ps -eo args', { become: { method: 'sudo', user: 'root', password: PASSWORD } });
    expect(root.rc).toBe(0);
    expect(root.stdout.split('\n')[0]).toBe('root');
    expect(root.stdout).toContain('sudo -H -S');
    expect(root.stdout).not.toContain(PASSWORD);
    const wrong = await c.exec(['id'], { become: { method: 'sudo', user: 'root', password: 'nope' } });
    expect(wrong.rc).not.toBe(0);

    const become = { method: 'sudo' as const, user: 'root', password: PASSWORD };
    const dir = userDir();
    const file = path.join(dir, 'root-only.conf');
    await c.writeFile(file, 'secret\n', { mode: 0o600, owner: OTHER }, { become });
    await expect(c.readFile(file)).rejects.toThrow(/Permission denied/); // SFTP runs as the login user
    expect((await c.readFile(file, { become }))?.toString()).toBe('secret\n');
    expect(await c.stat(file, { become })).toMatchObject({ mode: 0o600, owner: OTHER });
    expect((await c.stat(file, { become, content: true }))?.content?.toString()).toBe('secret\n');
    expect(readdirSync(dir)).toEqual(['root-only.conf']);
  });

  it('runs a playbook over ssh with the same recap as over local', async () => {
    const work = userDir();
    await conn().exec(['chown', USER, work], { become: { method: 'sudo', user: 'root', password: PASSWORD } });
    const playbook = `- hosts: all
  gather_facts: false
  tasks:
    - file: { path: "{{ base }}/d", state: directory, mode: "0750" }
    - copy: { dest: "{{ base }}/d/a.txt", content: "hello\\n", mode: "0640" }
    - command: cat {{ base }}/d/a.txt
      register: out
    - assert: { that: [ "out.stdout == 'hello'" ] }
    - copy: { dest: "{{ base }}/d/a.txt", content: "hello\\n", mode: "0640" }
`;
    const local = project({ 'pb.yml': playbook, 'inventory.ini': `node1 ansible_connection=local base=${mkdtempSync(path.join(tmpdir(), 'pb-local-'))}\n` });
    const overSsh = project({
      'pb.yml': playbook,
      'inventory.ini': `node1 ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${USER} ansible_ssh_private_key_file=${sshd.clientKey} ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts}' base=${work}\n`,
    });
    const a = await run(local);
    const b = await run(overSsh);
    expect(b.exitCode, b.output).toBe(0);
    expect(recapLine(b.output, 'node1')).toBe(recapLine(a.output, 'node1'));
    expect(recapLine(b.output, 'node1')).toMatch(/ok=5\s+changed=[1-9]/);
  });
});
