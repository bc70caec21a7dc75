/**
 * The authorized_keys fact parsed from its command's real output on a lab node (Debian 12): user
 * deploy with a three-line file (the last line without a newline), the same file through a symlink
 * given as the path, an unknown user, and a path whose directory does not exist.
 */
import { describe, expect, test } from 'vitest';
import { authorizedKeys, parsePathInfo } from '../../src/facts/authorized-keys.js';

const OUTPUT = {
  "home": "passwd\tdeploy:x:1001:1001::/home/deploy:/bin/bash\nkeyfile\t/home/deploy/.ssh/authorized_keys\nrealpath\t/home/deploy/.ssh/authorized_keys\ndir\tyes\n@@playbook:authorized_keys_content\n# kept\nssh-ed25519 AAAAC3one alice@laptop\nno-pty ssh-rsa AAAAB3two bob",
  "link": "passwd\tdeploy:x:1001:1001::/home/deploy:/bin/bash\nkeyfile\t/root/keys-link\nrealpath\t/home/deploy/.ssh/authorized_keys\ndir\tyes\nstat\t0:0:a1ff:1:33:root:root\n@@playbook:authorized_keys_content\n# kept\nssh-ed25519 AAAAC3one alice@laptop\nno-pty ssh-rsa AAAAB3two bob",
  "nouser": "keyfile\t\n",
  "nofile": "passwd\tdeploy:x:1001:1001::/home/deploy:/bin/bash\nkeyfile\t/etc/ssh/none/keys\nrealpath\t/etc/ssh/none/keys\n"
};

const FILE = '# kept\nssh-ed25519 AAAAC3one alice@laptop\nno-pty ssh-rsa AAAAB3two bob';
const DEPLOY = { name: 'deploy', uid: 1001, gid: 1001, home: '/home/deploy' };

describe('authorized_keys fact', () => {
  test("the user's default file", () => {
    expect(authorizedKeys.parse(OUTPUT.home, 'deploy', '')).toEqual({ user: DEPLOY, keyfile: '/home/deploy/.ssh/authorized_keys', realpath: '/home/deploy/.ssh/authorized_keys', dirExists: true, content: FILE, pathInfo: null });
  });

  test('a path that is a link: followed for the text and realpath, the link itself for the path info', () => {
    expect(authorizedKeys.parse(OUTPUT.link, 'deploy', '/root/keys-link')).toEqual({
      user: DEPLOY,
      keyfile: '/root/keys-link',
      realpath: '/home/deploy/.ssh/authorized_keys',
      dirExists: true,
      content: FILE,
      pathInfo: { uid: 0, gid: 0, owner: 'root', group: 'root', mode: '0777', state: 'link', size: 33 },
    });
  });

  test('an unknown user, and a file whose directory is missing', () => {
    expect(authorizedKeys.parse(OUTPUT.nouser, 'nosuch', '')).toMatchObject({ user: null, keyfile: '', content: null });
    expect(authorizedKeys.parse(OUTPUT.nofile, 'deploy', '/etc/ssh/none/keys')).toEqual({ user: DEPLOY, keyfile: '/etc/ssh/none/keys', realpath: '/etc/ssh/none/keys', dirExists: false, content: null, pathInfo: null });
  });

  test('path info: regular files, directories, hard links, unknown owners', () => {
    expect(parsePathInfo('1003:1003:8180:1:106:alt:alt')).toEqual({ uid: 1003, gid: 1003, owner: 'alt', group: 'alt', mode: '0600', state: 'file', size: 106 });
    expect(parsePathInfo('0:0:41ed:2:4096:root:root')).toMatchObject({ mode: '0755', state: 'directory' });
    expect(parsePathInfo('5000:5000:81a4:2:0:UNKNOWN:UNKNOWN')).toMatchObject({ owner: '5000', group: '5000', state: 'hard', mode: '0644' });
    expect(parsePathInfo('')).toBeNull();
  });
});
