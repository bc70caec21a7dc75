/**
 * What makes SSH cheap for the host, checked against a real sshd's log: aliases of one machine
 * share one connection, and commands run on persistent shells instead of a new session each, with
 * the same results as a session of their own (output, status, isolation).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection, SshLinks } from '../../src/connection/ssh.js';
import { sshOptionsFromVars } from '../../src/connection/ssh-options.js';
import { project, recapLine, run } from '../engine/helpers.js';
import { OTHER, PASSWORD, type Sshd, connectionVars, inventoryLine, startSshd } from './sshd.js';

let sshd: Sshd;
const open: SshConnection[] = [];

beforeAll(async () => {
  // VERBOSE logs each accepted key and each session the server starts.
  sshd = await startSshd({ config: ['LogLevel VERBOSE'] });
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await sshd?.stop();
});

const count = (pattern: RegExp): number => sshd.log().split('\n').filter((l) => pattern.test(l)).length;
const logins = (): number => count(/Accepted publickey/);
const sessions = (): number => count(/Starting session: /);

function conn(extra: Record<string, unknown> = {}, links?: SshLinks, host = 'node1'): SshConnection {
  const all = connectionVars(sshd, extra);
  const c = new SshConnection(host, sshOptionsFromVars(host, (n) => all[n], {}), links);
  open.push(c);
  return c;
}

describe('shared links', () => {
  it('gives hosts with the same settings one connection, and hosts with different ones their own', async () => {
    const links = new SshLinks();
    const before = logins();
    const passwordsBefore = count(/Accepted password/);
    const [a, b, c] = [conn({}, links, 'alias-a'), conn({}, links, 'alias-b'), conn({}, links, 'alias-c')];
    await Promise.all([a.connect(), b.connect(), c.connect()]);
    expect((await a.exec(['echo', 'a'])).stdout).toBe('a\n');
    expect((await b.exec(['echo', 'b'])).stdout).toBe('b\n');
    expect(logins() - before).toBe(1);
    // Another way in is another connection.
    const password = conn({ ansible_ssh_private_key_file: '/nonexistent', ansible_password: PASSWORD }, links, 'alias-d');
    expect((await password.exec(['echo', 'd'])).stdout).toBe('d\n');
    expect(count(/Accepted password/) - passwordsBefore).toBe(1);
    expect(logins() - before).toBe(1);
    // One host letting go leaves the link open for the others; the last one closes it.
    await a.close();
    expect((await b.exec(['echo', 'still'])).stdout).toBe('still\n');
    await expect(a.exec(['true'])).rejects.toThrow(/closed/);
  });

  it('runs a play over three aliases of one machine on one login', async () => {
    const before = logins();
    const dir = project({
      'inventory.ini': ['a1', 'a2', 'a3'].map((name) => inventoryLine(sshd, name)).join('\n') + '\n',
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - command: echo {{ inventory_hostname }}
      register: said
    - assert: { that: "said.stdout == inventory_hostname" }
`,
    });
    const ran = await run(dir);
    for (const h of ['a1', 'a2', 'a3']) expect(recapLine(ran.output, h)).toMatch(/ok=2\s+changed=1\s+unreachable=0\s+failed=0/);
    expect(logins() - before).toBe(1);
  });
});

describe('persistent shells', () => {
  it('runs many commands in one session, each with its own status, output and state', async () => {
    const c = conn();
    await c.connect();
    await c.exec('true');
    const before = sessions();
    for (let i = 0; i < 20; i++) expect(await c.exec(`echo out${i}; echo err${i} >&2; exit ${i % 4}`)).toEqual({ rc: i % 4, stdout: `out${i}\n`, stderr: `err${i}\n` });
    // A cd, an export or a variable ends with its command.
    await c.exec('cd /; export LEAK=1; X=2');
    expect((await c.exec('echo "[$LEAK$X]"; pwd', { cwd: '/tmp' })).stdout).toBe('[]\n/tmp\n');
    expect((await c.exec('printf "no newline"')).stdout).toBe('no newline');
    expect((await c.exec(['sh', '-c', 'exit 0'], { env: { A_VAR: 'x y' } })).rc).toBe(0);
    expect(sessions() - before).toBe(0);
    // With stdin, a command gets a session of its own.
    expect((await c.exec(['cat'], { stdin: 'piped\n' })).stdout).toBe('piped\n');
    expect(sessions() - before).toBe(1);
  });

  it('carries large output intact, also when it contains a look-alike of the end marker', async () => {
    const c = conn();
    const r = await c.exec('head -c 3000000 /dev/zero | tr "\\0" "x"; printf "\\n__PLAYBOOK_DONE_0000 0\\n"');
    expect(r.rc).toBe(0);
    expect(r.stdout.length).toBe(3_000_000 + 24);
    expect(createHash('sha256').update(r.stdout.slice(0, 3_000_000)).digest('hex')).toBe(createHash('sha256').update('x'.repeat(3_000_000)).digest('hex'));
    expect(r.stdout.endsWith('\n__PLAYBOOK_DONE_0000 0\n')).toBe(true);
  });

  it('does not wait for background processes that keep the output open', async () => {
    const c = conn();
    const started = Date.now();
    const r = await c.exec('sleep 5 & echo started');
    expect(r).toMatchObject({ rc: 0, stdout: 'started\n' });
    expect(Date.now() - started).toBeLessThan(4000);
    expect((await c.exec(['echo', 'next'])).stdout).toBe('next\n');
  });

  it("never mixes a background process's late output into a later command's", async () => {
    const c = conn();
    await c.exec('true');
    const before = sessions();
    expect((await c.exec('(sleep 0.3; echo late; sleep 0.3; echo later) & echo now')).stdout).toBe('now\n');
    await new Promise((r) => setTimeout(r, 450)); // "late" arrives while the shell is idle
    const next = await Promise.all([c.exec('sleep 0.4; echo next'), c.exec('echo other')]);
    expect(next.map((r) => r.stdout)).toEqual(['next\n', 'other\n']);
    // The shell that received it was retired for a fresh one.
    expect(sessions() - before).toBeGreaterThanOrEqual(1);
  });

  it('survives a command that kills its shell: that command fails, the next runs', async () => {
    const c = conn();
    await c.exec('true');
    const killed = await c.exec('kill -9 $PPID; sleep 1').catch((e: unknown) => e);
    expect(String(killed)).toMatch(/ended its shell/);
    expect((await c.exec(['echo', 'after'])).stdout).toBe('after\n');
  });

  it('runs become without a password on the shell and with a password on a session of its own', async () => {
    const c = conn();
    await c.exec('true');
    const before = sessions();
    expect(await c.exec(['id', '-un'], { become: { method: 'sudo', user: OTHER } })).toEqual({ rc: 0, stdout: `${OTHER}\n`, stderr: '' });
    const refused = await c.exec(['id', '-un'], { become: { method: 'sudo', user: 'root' } });
    expect(refused.rc).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/password/i);
    expect(sessions() - before).toBe(0);
    const withPassword = await c.exec(['id', '-un'], { become: { method: 'sudo', user: 'root', password: PASSWORD } });
    expect(withPassword).toMatchObject({ rc: 0, stdout: 'root\n' });
    expect(sessions() - before).toBe(1);
  });

  it('keeps within MaxSessions when many commands run at once', async () => {
    const c = conn({ ansible_ssh_max_sessions: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.exec(`sleep 0.1; echo ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 12 }, (_, i) => `${i}\n`));
    // The shell and the SFTP channel hold two of the three slots; sessions of their own still run.
    expect((await c.readFile('/etc/hostname'))?.length).toBeGreaterThan(0);
    const become = { method: 'sudo' as const, user: 'root', password: PASSWORD };
    const escalated = await Promise.all(Array.from({ length: 4 }, (_, i) => c.exec(`echo ${i}; id -un`, { become })));
    expect(escalated.map((r) => r.stdout)).toEqual(Array.from({ length: 4 }, (_, i) => `${i}\nroot\n`));
    expect((await c.exec(['echo', 'shell again'])).stdout).toBe('shell again\n');
    expect(sshd.log()).not.toMatch(/open failed|no more sessions/i);
  });
});
