/**
 * The lab images build (or come from the cache) and SSH nodes started from them accept a login
 * with the injected key, checked against the host key each node reports.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection } from '../../src/connection/ssh.js';
import { sshOptionsFromVars } from '../../src/connection/ssh-options.js';
import { UnreachableError } from '../../src/connection/types.js';
import { baseImageTag } from '../../src/docker/base-image.js';
import { ContainerBuilder } from '../../src/docker/container.js';
import { execInContainer } from '../../src/docker/exec.js';
import { type SshNode, knownHostsLine, removeScope, startSshNodes } from '../../src/docker/ssh-nodes.js';
import { Wait } from '../../src/docker/wait.js';
import { IMAGE_BUILD_TIMEOUT, engine, sshdImage, testScope } from './support.js';

const scope = testScope('sshnodes');
const keys = mkdtempSync(path.join(tmpdir(), 'pb-docker-ssh-'));
const open: SshConnection[] = [];
let docker: Docker;
let image: string;
let nodes: SshNode[] = [];

beforeAll(async () => {
  docker = await engine();
  image = await sshdImage();
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await removeScope(scope, docker);
  rmSync(keys, { recursive: true, force: true });
});

function connect(node: Pick<SshNode, 'name' | 'host' | 'port'> & { user: string }, knownHosts: string): SshConnection {
  const vars: Record<string, unknown> = {
    ansible_host: node.host,
    ansible_port: node.port,
    ansible_user: node.user,
    ansible_ssh_private_key_file: path.join(keys, 'id'),
    ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts}`,
    ansible_ssh_retries: 0,
  };
  const c = new SshConnection(node.name, sshOptionsFromVars(node.name, (n) => vars[n], { env: {}, home: keys }));
  open.push(c);
  return c;
}

describe('lab images and SSH nodes', () => {
  it('tags images by recipe hash and reuses them', async () => {
    expect(image).toMatch(/^playbook-lab\/sshd:[0-9a-f]{16}$/);
    const base = await baseImageTag();
    expect(base).toMatch(/^playbook-lab\/base:[0-9a-f]{16}$/);
    const lines: string[] = [];
    const again = await (await import('../../src/docker/sshd-image.js')).ensureSshdImage({ docker, onProgress: (l) => lines.push(l) });
    expect(again).toBe(image);
    expect(lines).toEqual([]); // cached: nothing built, nothing to report
    const info = await docker.getImage(base).inspect();
    expect(info.Config.Labels).toMatchObject({ 'dev.playbook.managed': 'true' });
  });

  it('starts nodes that accept the injected key, each with its own host key', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'id')]);
    const progress: string[] = [];
    nodes = await startSshNodes({ count: 2, scope, authorizedKey: readFileSync(path.join(keys, 'id.pub'), 'utf8'), onProgress: (l) => progress.push(l) });
    expect(nodes.map((n) => n.name)).toEqual([`${scope}-node1`, `${scope}-node2`]);
    expect(progress.at(-1)).toMatch(/2 SSH nodes ready/);
    const [a, b] = nodes;
    if (!a || !b) throw new Error('two nodes expected');
    expect(a.hostPublicKey).toMatch(/^ssh-ed25519 \S+$/);
    expect(a.hostPublicKey).not.toBe(b.hostPublicKey);

    const knownHosts = path.join(keys, 'known_hosts');
    writeFileSync(knownHosts, nodes.map(knownHostsLine).join('\n') + '\n');
    for (const node of nodes) {
      const c = connect(node, knownHosts);
      const r = await c.exec('hostname; id -un; sudo -n id -un; ip -o -4 addr show eth0 | wc -l');
      expect(r).toMatchObject({ rc: 0, stdout: `${node.name.slice(scope.length + 1)}\nplaybook\nroot\n1\n` });
    }
    // The nodes share a private network and reach each other by name.
    const ping = await connect(a, knownHosts).exec(['ping', '-c', '1', '-W', '2', 'node2']);
    expect(ping.rc, ping.stdout + ping.stderr).toBe(0);
  });

  it('refuses a node whose host key does not match (node2 key recorded for node1)', async () => {
    const [a, b] = nodes;
    if (!a || !b) throw new Error('the nodes did not start');
    const swapped = path.join(keys, 'swapped_known_hosts');
    writeFileSync(swapped, `[127.0.0.1]:${a.port} ${b.hostPublicKey}\n`);
    const err = await connect(a, swapped).connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
  });

  it('refuses root login and password login', async () => {
    const [a] = nodes;
    if (!a) throw new Error('the nodes did not start');
    const text = (await execInContainer(docker.getContainer(a.name), { argv: ['sshd', '-T'], user: 'root' })).stdout.toString('utf8');
    expect(text).toMatch(/^permitrootlogin no$/m);
    expect(text).toMatch(/^passwordauthentication no$/m);
    const knownHosts = path.join(keys, 'known_hosts');
    const root = await connect({ ...a, user: 'root' }, knownHosts).connect().catch((e: unknown) => e);
    expect(root).toBeInstanceOf(UnreachableError);
    expect((root as Error).message).toMatch(/authentication/i);
  });

  it('fails a start whose container exits, with its log, and removes it', async () => {
    const name = `${scope}-broken`;
    const start = new ContainerBuilder(image)
      .withScope(scope)
      .withName(name)
      .withExposedPort(22)
      .withCommand(['sh', '-c', 'echo sshd-config-broken >&2; exit 3'])
      .withWaitStrategy(Wait.forSshBanner(22))
      .withStartupTimeout(20_000)
      .start(docker);
    await expect(start).rejects.toThrow(/exited while waiting for SSH banner on port 22[\s\S]*sshd-config-broken/);
    await expect(docker.getContainer(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
