/** SSH authentication and host identity against a real sshd: agent, passphrases, ~/.ssh/config, accept-new, su. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection } from '../../src/connection/ssh.js';
import { type SshSettings, sshOptionsFromVars } from '../../src/connection/ssh-options.js';
import { cli, project, recapLine } from '../engine/helpers.js';
import { OTHER, OTHER_PASSWORD, type Sshd, USER, startSshd } from './sshd.js';

let sshd: Sshd;
let agent: ChildProcess | undefined;
const open: SshConnection[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), 'pb-ssh-auth-'));

beforeAll(async () => {
  sshd = await startSshd();
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  agent?.kill();
  await sshd?.stop();
});

function conn(vars: Record<string, unknown>, settings: SshSettings = { env: {} }): SshConnection {
  const all: Record<string, unknown> = { ansible_ssh_retries: 0, ...vars };
  const c = new SshConnection('node1', sshOptionsFromVars('node1', (n) => all[n], settings));
  open.push(c);
  return c;
}

const direct = (): Record<string, unknown> => ({
  ansible_host: '127.0.0.1',
  ansible_port: sshd.port,
  ansible_user: USER,
  ansible_ssh_common_args: `-o UserKnownHostsFile=${sshd.knownHosts}`,
});

/** A new client key, authorized on the sshd. */
function authorizedKey(name: string, passphrase = ''): string {
  const file = path.join(scratch, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', file]);
  appendFileSync(path.join(sshd.dir, 'authorized_keys'), readFileSync(`${file}.pub`));
  return file;
}

describe('ssh authentication', () => {
  it('authenticates through ssh-agent when no key file is usable', async () => {
    const sock = path.join(scratch, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSocket(sock); i++) await new Promise((r) => setTimeout(r, 20));
    execFileSync('ssh-add', [sshd.clientKey], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    const c = conn({ ...direct(), ansible_ssh_private_key_file: '/nonexistent/key' }, { env: { SSH_AUTH_SOCK: sock } });
    expect((await c.exec(['id', '-un'])).stdout).toBe(`${USER}\n`);
    const without = conn({ ...direct(), ansible_ssh_private_key_file: '/nonexistent/key' }, { env: {} });
    await expect(without.connect()).rejects.toThrow(/authentication methods failed/);
  });

  it('uses an encrypted key with the passphrase from PLAYBOOK_SSH_KEY_PASSPHRASE, and says what is missing without it', async () => {
    const key = authorizedKey('encrypted', 'correct horse');
    const vars = { ...direct(), ansible_ssh_private_key_file: key };
    const ok = conn(vars, { env: { PLAYBOOK_SSH_KEY_PASSPHRASE: 'correct horse' } });
    expect((await ok.exec('echo hi')).stdout).toBe('hi\n');
    await expect(conn(vars, { env: {} }).connect()).rejects.toThrow(new RegExp(`private key ${key} is encrypted and no passphrase was given \\(set PLAYBOOK_SSH_KEY_PASSPHRASE`));
    await expect(conn(vars, { env: { PLAYBOOK_SSH_KEY_PASSPHRASE: 'wrong' } }).connect()).rejects.toThrow(/wrong passphrase/);
  });

  it('honours ~/.ssh/config: Host patterns, HostName, Port, User, IdentityFile, UserKnownHostsFile', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'pb-home-'));
    mkdirSync(path.join(home, '.ssh'));
    writeFileSync(
      path.join(home, '.ssh', 'config'),
      [
        'Host gpu-* !gpu-bad',
        `  HostName 127.0.0.1`,
        `  Port ${sshd.port}`,
        `  User ${USER}`,
        `  IdentityFile ${sshd.clientKey}`,
        `  UserKnownHostsFile ${sshd.knownHosts}`,
        'Host *',
        '  User nobody-else',
        '  Port 1',
      ].join('\n') + '\n',
    );
    const c = new SshConnection('gpu-01', sshOptionsFromVars('gpu-01', () => undefined, { env: {}, home }));
    open.push(c);
    expect((await c.exec('id -un')).stdout).toBe(`${USER}\n`);
    // Inventory variables win over the config file, as ssh's command-line options do.
    expect(sshOptionsFromVars('gpu-bad', () => undefined, { env: {}, home })).toMatchObject({ address: 'gpu-bad', port: 1, user: 'nobody-else' });
    expect(sshOptionsFromVars('gpu-02', (n) => ({ ansible_user: 'deploy', ansible_port: 2222 })[n], { env: {}, home })).toMatchObject({ address: '127.0.0.1', port: 2222, user: 'deploy' });

    // The same through the CLI: an inventory that names only the alias.
    const dir = project({ 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: hostname\n', 'inventory.ini': 'gpu-07\n' });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir, { HOME: home });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(recapLine(r.stdout, 'gpu-07')).toMatch(/ok=1\s+changed=1\s+unreachable=0/);
  });

  it('records an unknown host key with StrictHostKeyChecking=accept-new, and still refuses a changed one', async () => {
    const known = path.join(scratch, 'accept-new', 'known_hosts');
    const vars = { ...direct(), ansible_ssh_private_key_file: sshd.clientKey, ansible_ssh_common_args: `-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${known}` };
    expect((await conn(vars).exec('echo first')).stdout).toBe('first\n');
    expect(readFileSync(known, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
    const strict = conn({ ...vars, ansible_ssh_common_args: `-o UserKnownHostsFile=${known}` });
    expect((await strict.exec('echo again')).stdout).toBe('again\n');

    const wrongPub = readFileSync(`${sshd.wrongKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(known, `[127.0.0.1]:${sshd.port} ${wrongPub}\n`);
    await expect(conn(vars).connect()).rejects.toThrow(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(readFileSync(known, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${wrongPub}\n`);
  });

  it('turns host key checking off from ansible.cfg, and -u / --private-key reach the connection', async () => {
    const dir = project({
      'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: id -un\n      register: who\n    - assert: { that: "who.stdout == \'' + USER + '\'" }\n',
      'inventory.ini': `node1 ansible_host=127.0.0.1 ansible_port=${sshd.port}\n`,
      'ansible.cfg': '[defaults]\nhost_key_checking = False\n',
    });
    const empty = path.join(scratch, 'empty-home');
    mkdirSync(empty, { recursive: true });
    const args = ['run', '-i', 'inventory.ini', 'pb.yml', '-u', USER, '--private-key', sshd.clientKey];
    const r = await cli(args, dir, { HOME: empty });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(recapLine(r.stdout, 'node1')).toMatch(/ok=2\s+changed=1/);
    const strict = await cli(args, dir, { HOME: empty, ANSIBLE_HOST_KEY_CHECKING: 'True' });
    expect(strict.code).toBe(4);
    expect(strict.stdout).toMatch(/UNREACHABLE!.*is not in known_hosts \(ssh-ed25519 key fingerprint is SHA256:/);
  });
});

describe('su', () => {
  it('becomes another user with su and its password, and fails clearly with a wrong one', async () => {
    const c = conn({ ...direct(), ansible_ssh_private_key_file: sshd.clientKey });
    const su = { method: 'su' as const, user: OTHER, password: OTHER_PASSWORD };
    const r = await c.exec(['sh', '-c', 'id -un; cat'], { become: su, stdin: 'input\n' });
    expect(r).toMatchObject({ rc: 0, stdout: `${OTHER}\ninput\n` });
    expect(r.stderr).not.toContain('Password');
    const wrong = await c.exec(['id'], { become: { ...su, password: 'nope' } });
    expect(wrong.rc).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failure/);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pb-su-')), 'owned');
    execFileSync('chmod', ['777', path.dirname(file)]);
    await c.writeFile(file, 'by su\n', { mode: 0o640 }, { become: su });
    expect(await c.stat(file, { become: su })).toMatchObject({ owner: OTHER, mode: 0o640 });
  });
});

function existsSocket(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
