/** The Docker layer's pure parts: tar writer, stream demuxer, apt sources, recipe hashing, options. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerOptionsFromVars } from '../../src/connection/docker.js';
import { commandScript, writeFromStdinScript } from '../../src/connection/remote-command.js';
import { parsePackageList } from '../../src/docker/base-image.js';
import { debianSources, parseDeb822, parseSourcesList } from '../../src/docker/debian-mirror.js';
import { withBuildLock } from '../../src/docker/build-lock.js';
import { StreamDemuxer } from '../../src/docker/demux.js';
import { followJsonStream } from '../../src/docker/json-stream.js';
import { checkScope, scopeFilter, scopeLabels } from '../../src/docker/labels.js';
import { recipeHash } from '../../src/docker/recipe.js';
import { createTar } from '../../src/docker/tar.js';
import { listeningPorts } from '../../src/docker/wait.js';
import { Readable } from 'node:stream';

describe('tar writer', () => {
  it('writes archives that GNU tar lists and extracts exactly: names, modes, owners, binary data', () => {
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256));
    const longName = `deep/${'d'.repeat(120)}/${'f'.repeat(90)}.txt`;
    const veryLong = `${'x'.repeat(150)}.conf`;
    const tar = createTar([
      { name: 'etc/app', type: 'directory', mode: 0o750, uid: 1000, gid: 1000 },
      { name: 'etc/app/app.conf', data: 'key=value\n', mode: 0o640, uid: 1000, gid: 100, mtime: 1_700_000_000 },
      { name: 'bin/tool', data: binary, mode: 0o4755 },
      { name: longName, data: 'prefix split' },
      { name: veryLong, data: 'pax path' },
      { name: 'empty', data: '' },
    ]);
    expect(tar.length % 512).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'pb-tar-'));
    const file = path.join(dir, 'a.tar');
    writeFileSync(file, tar);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8' });
    expect(listing).toMatch(/^drwxr-x--- 1000\/1000 +0 .* etc\/app\/$/m);
    expect(listing).toMatch(/^-rw-r----- 1000\/100 +10 2023-11-1\d .* etc\/app\/app\.conf$/m);
    expect(listing).toMatch(/^-rwsr-xr-x 0\/0 +3000 .* bin\/tool$/m);
    const out = path.join(dir, 'x');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['--same-owner', '-xpf', file, '-C', out]);
    expect(readFileSync(path.join(out, 'bin/tool')).equals(binary)).toBe(true);
    expect(statSync(path.join(out, 'etc/app/app.conf')).mode & 0o7777).toBe(0o640);
    expect(readFileSync(path.join(out, longName), 'utf8')).toBe('prefix split');
    expect(readFileSync(path.join(out, veryLong), 'utf8')).toBe('pax path');
    expect(readFileSync(path.join(out, 'empty'), 'utf8')).toBe('');
  });

  it('gives the same bytes for the same entries (a build context hashes the same)', () => {
    const entries = [{ name: 'Dockerfile', data: 'FROM x\n' }];
    expect(createTar(entries).equals(createTar(entries))).toBe(true);
  });
});

describe('stream demuxer', () => {
  it('splits stdout and stderr frames, also when headers and payloads arrive in pieces', () => {
    const frame = (type: number, payload: Buffer): Buffer => {
      const h = Buffer.alloc(8);
      h[0] = type;
      h.writeUInt32BE(payload.length, 4);
      return Buffer.concat([h, payload]);
    };
    const bin = Buffer.from([0, 1, 2, 255, 10, 13, 0]);
    const all = Buffer.concat([frame(1, Buffer.from('out1\n')), frame(2, Buffer.from('err\n')), frame(1, bin), frame(1, Buffer.alloc(0))]);
    const got: Record<string, Buffer[]> = { stdout: [], stderr: [] };
    const demux = new StreamDemuxer((kind, payload) => got[kind]?.push(Buffer.from(payload)));
    for (let i = 0; i < all.length; i += 3) demux.push(all.subarray(i, i + 3));
    expect(Buffer.concat(got['stdout'] ?? []).equals(Buffer.concat([Buffer.from('out1\n'), bin]))).toBe(true);
    expect(Buffer.concat(got['stderr'] ?? []).toString()).toBe('err\n');
    expect(demux.leftover).toBe(0);
  });
});

describe('engine progress streams', () => {
  it('collects messages and rejects on an error message', async () => {
    const ok = await followJsonStream(Readable.from(['{"stream":"Step 1/2"}\n{"str', 'eam":"Step 2/2"}\n']));
    expect(ok.map((m) => m.stream)).toEqual(['Step 1/2', 'Step 2/2']);
    await expect(followJsonStream(Readable.from(['{"stream":"Step 1/2"}\n{"errorDetail":{"message":"boom"},"error":"boom"}\n']))).rejects.toThrow('boom');
  });
});

describe('apt sources for mmdebstrap', () => {
  it('reads one-line and deb822 sources and builds the suite, -updates and -security lines', () => {
    const oneLine = parseSourcesList('# comment\ndeb [arch=amd64] http://mirror.intra/debian bookworm main\ndeb-src http://x bookworm main\n');
    expect(oneLine).toEqual([{ uri: 'http://mirror.intra/debian', suite: 'bookworm' }]);
    const deb822 = parseDeb822(
      'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n\nTypes: deb\nEnabled: no\nURIs: http://off\nSuites: bookworm\n',
    );
    expect(deb822.map((s) => `${s.uri} ${s.suite}`)).toEqual(['http://deb.debian.org/debian bookworm', 'http://deb.debian.org/debian bookworm-updates', 'http://deb.debian.org/debian-security bookworm-security']);
    expect(debianSources('bookworm', [...oneLine, ...deb822], {})).toEqual([
      'deb http://mirror.intra/debian bookworm main',
      'deb http://mirror.intra/debian bookworm-updates main',
      'deb http://deb.debian.org/debian-security bookworm-security main',
    ]);
    // Not a Debian bookworm machine: the public mirrors. An override wins over everything.
    expect(debianSources('bookworm', [{ uri: 'http://archive.ubuntu.com/ubuntu', suite: 'jammy' }], {})[0]).toBe('deb http://deb.debian.org/debian bookworm main');
    expect(debianSources('bookworm', oneLine, { PLAYBOOK_DEBIAN_MIRROR: 'http://other/debian' })[0]).toBe('deb http://other/debian bookworm main');
  });

  it('parses the package list and hashes recipes by content', () => {
    expect(parsePackageList('# c\nsudo\n\n  curl  # why\n')).toEqual(['sudo', 'curl']);
    const f = (data: string, mode = 0o644): { name: string; data: Buffer; mode: number } => ({ name: 'packages.txt', data: Buffer.from(data), mode });
    expect(recipeHash(['bookworm'], [f('a')])).toBe(recipeHash(['bookworm'], [f('a')]));
    expect(recipeHash(['bookworm'], [f('a')])).not.toBe(recipeHash(['bookworm'], [f('b')]));
    expect(recipeHash(['bookworm'], [f('a')])).not.toBe(recipeHash(['trixie'], [f('a')]));
    expect(recipeHash([], [f('a')])).not.toBe(recipeHash([], [f('a', 0o755)]));
  });
});

describe('labels and options', () => {
  it('labels resources with the managed flag and the scope, and refuses odd scope names', () => {
    expect(scopeLabels('lab1', { role: 'head' })).toEqual({ role: 'head', 'dev.playbook.managed': 'true', 'dev.playbook.scope': 'lab1' });
    expect(scopeFilter('lab1')).toEqual({ label: ['dev.playbook.managed=true', 'dev.playbook.scope=lab1'] });
    expect(() => checkScope('a b')).toThrow(/invalid scope/);
    expect(() => checkScope('-x')).toThrow(/invalid scope/);
  });

  it('reads the docker connection variables', () => {
    const vars = (v: Record<string, unknown>) => (n: string) => v[n];
    expect(dockerOptionsFromVars('web1', vars({}))).toEqual({ container: 'web1' });
    expect(dockerOptionsFromVars('web1', vars({ ansible_host: 'c1', ansible_user: 'app', ansible_docker_extra_args: '-H unix:///tmp/d.sock' }))).toEqual({ container: 'c1', user: 'app', engineHost: 'unix:///tmp/d.sock' });
    expect(dockerOptionsFromVars('web1', vars({ ansible_docker_host: 'c2', ansible_docker_user: 'u', ansible_docker_extra_args: '--host=tcp://10.0.0.1:2375 --tlsverify' }))).toEqual({
      container: 'c2',
      user: 'u',
      engineHost: 'tcp://10.0.0.1:2375',
      unsupportedArgs: ['--tlsverify'],
    });
  });

  it('builds the same exec and write scripts for every command-channel transport', () => {
    expect(commandScript(['printf', '%s', "it's"], { cwd: '/tmp', env: { A: 'x y', 'bad-name': 'z' } })).toBe("cd -P /tmp || exit 1\nA='x y'; export A\nexec printf %s 'it'\"'\"'s'");
    expect(commandScript('echo $HOME', { executable: '/bin/bash' })).toBe("exec /bin/bash -c 'echo $HOME'");
    expect(writeFromStdinScript('/d/.f.tmp', '/d/f', { mode: 0o600, owner: 'app' })).toContain('chmod 600 /d/.f.tmp');
  });
});

describe('wait strategies', () => {
  it('reads LISTEN sockets from /proc/net/tcp', () => {
    const text = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:18EB 0100007F:0016 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
   0: 00000000000000000000000000000000:1A0B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0`;
    expect([...listeningPorts(text)].sort()).toEqual([22, 6667]);
  });
});

describe('build lock', () => {
  it('runs one holder at a time and takes over a lock whose owner is gone', async () => {
    const name = `unit-${process.pid}-${Date.now()}`;
    const order: string[] = [];
    const waits: Array<number | undefined> = [];
    const job = (id: string) => async (): Promise<string> => {
      order.push(`${id}+`);
      await new Promise((r) => setTimeout(r, 150));
      order.push(`${id}-`);
      return id;
    };
    // b asks once a holds the lock: started together, either may win the rename.
    const first = withBuildLock(name, job('a'));
    while (!order.includes('a+')) await new Promise((r) => setTimeout(r, 5));
    const results = await Promise.all([first, withBuildLock(name, job('b'), { onWait: (pid) => waits.push(pid) })]);
    expect(results).toEqual(['a', 'b']);
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-']);
    expect(waits).toEqual([process.pid]);

    // A lock left by a process that no longer exists does not block.
    const stale = path.join(tmpdir(), `playbook-lock-${name}`);
    mkdirSync(stale);
    writeFileSync(path.join(stale, 'pid'), '999999999');
    expect(await withBuildLock(name, async () => 'taken over', { timeoutMs: 2000 })).toBe('taken over');
  });
});
