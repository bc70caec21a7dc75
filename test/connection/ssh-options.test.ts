/** Unit tests: how ssh arguments, ~/.ssh/config and Ansible's variables combine into where we connect. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostPatternsMatch, parseProxyJump, resolveSshConfig } from '../../src/connection/ssh-config.js';
import { parseSshArgs, sshOptionsFromVars } from '../../src/connection/ssh-options.js';

function home(config: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-sshcfg-'));
  mkdirSync(path.join(dir, '.ssh'));
  writeFileSync(path.join(dir, '.ssh', 'config'), config);
  for (const [name, text] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(dir, '.ssh', name)), { recursive: true });
    writeFileSync(path.join(dir, '.ssh', name), text);
  }
  return dir;
}

describe('ssh arguments', () => {
  it('reads -o in both spellings, -J, -i, -p, -l and -F, first value winning', () => {
    const a = parseSshArgs(`-o ProxyJump=bastion -o "StrictHostKeyChecking no" -oUserKnownHostsFile=/k -J other -i ~/.ssh/a -p 2200 -l deploy -F /cfg -o Port=1`);
    expect(Object.fromEntries(a.options)).toEqual({ proxyjump: 'bastion', stricthostkeychecking: 'no', userknownhostsfile: '/k', port: '2200', user: 'deploy', configfile: '/cfg' });
    expect(a.identityFiles).toEqual(['~/.ssh/a']);
  });

  it('parses ProxyJump hops with users, ports and IPv6 brackets, and refuses a malformed one', () => {
    expect(parseProxyJump('jump@b1:2222,b2,[fe80::1]:22')).toEqual([{ host: 'b1', user: 'jump', port: 2222 }, { host: 'b2' }, { host: 'fe80::1', port: 22 }]);
    expect(parseProxyJump('none')).toEqual([]);
    expect(() => parseProxyJump('a@b:c:d')).toThrow(/invalid ProxyJump host 'a@b:c:d'/);
  });
});

describe('~/.ssh/config', () => {
  it('matches Host patterns with wildcards and negation; the first value wins, IdentityFile accumulates', () => {
    expect(hostPatternsMatch(['gpu-*', '!gpu-9'], 'gpu-1')).toBe(true);
    expect(hostPatternsMatch(['gpu-*', '!gpu-9'], 'gpu-9')).toBe(false);
    expect(hostPatternsMatch(['node?'], 'node12')).toBe(false);
    const h = home('Host gpu-*\n  HostName %h.lab.internal\n  IdentityFile ~/.ssh/gpu\n  User = ml\nHost *\n  User root\n  IdentityFile ~/.ssh/default\n  Port 2022\n');
    expect(resolveSshConfig('gpu-3', { home: h })).toEqual({ hostName: 'gpu-3.lab.internal', user: 'ml', port: 2022, identityFiles: [path.join(h, '.ssh/gpu'), path.join(h, '.ssh/default')] });
  });

  it('follows Include and ignores Match blocks other than Match all', () => {
    const h = home('Include config.d/*\nMatch host x exec "true"\n  User never\nMatch all\n  Port 2200\n', { 'config.d/10-lab': 'Host lab\n  HostName 10.0.0.5\n' });
    expect(resolveSshConfig('lab', { home: h })).toMatchObject({ hostName: '10.0.0.5', port: 2200 });
    expect(resolveSshConfig('lab', { home: h }).user).toBeUndefined();
  });

  it('puts inventory variables over the config, and resolves bastions through it too', () => {
    const h = home('Host bastion\n  HostName 192.0.2.1\n  User jump\n  IdentityFile ~/.ssh/jump\nHost web\n  HostName 192.0.2.10\n  ProxyJump bastion\n');
    const vars: Record<string, unknown> = { ansible_host: 'web', ansible_user: 'deploy' };
    const o = sshOptionsFromVars('web1', (n) => vars[n], { env: {}, home: h });
    expect(o).toMatchObject({ address: '192.0.2.10', user: 'deploy', port: 22, keyFiles: ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => path.join(h, '.ssh', k)) });
    expect(o.jumps).toEqual([{ address: '192.0.2.1', port: 22, user: 'jump', keyFiles: [path.join(h, '.ssh/jump'), ...['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => path.join(h, '.ssh', k))] }]);
  });

  it('decides host key checking as Ansible does: the variable, then the environment, then ssh options', () => {
    const h = home('Host *\n  StrictHostKeyChecking accept-new\n');
    const policy = (vars: Record<string, unknown>, env: Record<string, string> = {}): string => sshOptionsFromVars('h', (n) => vars[n], { env, home: h }).hostKeyPolicy;
    expect(policy({})).toBe('accept-new');
    expect(policy({ ansible_ssh_common_args: '-o StrictHostKeyChecking=yes' })).toBe('strict');
    expect(policy({}, { ANSIBLE_HOST_KEY_CHECKING: 'False' })).toBe('off');
    expect(policy({ ansible_host_key_checking: 'yes' }, { ANSIBLE_HOST_KEY_CHECKING: 'False' })).toBe('accept-new');
    expect(policy({ ansible_ssh_host_key_checking: false })).toBe('off');
  });
});
