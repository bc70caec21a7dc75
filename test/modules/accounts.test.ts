/** user's and group's decisions without a host: the account as getent shows it, the command Ansible would run. */
import { expect, test } from 'vitest';
import { parseAccount } from '../../src/facts/account.js';
import { passwordLooksUnhashed, planGroup, planUser, type UserRequest } from '../../src/modules/support/accounts.js';

// What the account fact prints on a Debian 12 lab node (getent passwd/shadow/group).
const OUTPUT = `@@playbook:hostname=node2
@@playbook:passwd=alice:x:2001:2001:Alice Lab:/home/alice:/bin/bash
@@playbook:shadow=alice:$6$s$h:20425:0:99999:7:::
@@playbook:home_exists
@@playbook:key=/home/alice/.ssh/id_rsa
@@playbook:groups
root:x:0:
alice:x:2001:
labdev:x:3001:alice
labops:x:3002:bob,alice
labweb:x:3003:
`;
const state = parseAccount(OUTPUT);

const base: UserRequest = {
  name: 'alice', state: 'present', uid: null, nonUnique: false, group: null, groups: null, append: false, comment: null, home: null, shell: null,
  password: null, updatePassword: 'always', passwordLock: null, createHome: true, moveHome: false, skeleton: null, system: false, force: false,
  remove: false, expires: null, inactive: null, seuser: null, umask: null, uidMin: null, uidMax: null,
};

test('the fact: passwd with the shadow password, groups with members, the key path under the home', () => {
  expect(state.passwd).toEqual({ name: 'alice', password: '$6$s$h', uid: 2001, gid: 2001, comment: 'Alice Lab', home: '/home/alice', shell: '/bin/bash' });
  expect(state.groups.find((g) => g.name === 'labops')).toEqual({ name: 'labops', gid: 3002, members: ['bob', 'alice'] });
  expect(state.sshKey).toEqual({ path: '/home/alice/.ssh/id_rsa', exists: false, fingerprint: null, publicKeyExists: false, publicKey: null });
  expect(parseAccount('@@playbook:hostname=n\n@@playbook:groups\nroot:x:0:\n').passwd).toBeNull();
});

test('an account as asked needs no command; each difference becomes usermod options in Ansible order', () => {
  expect(planUser({ ...base, uid: 2001, comment: 'Alice Lab', groups: 'labdev,labops', shell: '/bin/bash' }, state)).toEqual({ command: null });
  expect(planUser({ ...base, uid: 2002, group: 'labdev', comment: 'A', shell: '/bin/sh', home: '/srv/alice', moveHome: true }, state)).toEqual({
    command: ['usermod', '-u', '2002', '-g', '3001', '-c', 'A', '-d', '/srv/alice', '-m', '-s', '/bin/sh', 'alice'],
  });
});

test('groups: exact by default, -a only when a wanted group is missing, an empty list clears them', () => {
  expect(planUser({ ...base, groups: 'labweb' }, state)).toEqual({ command: ['usermod', '-G', 'labweb', 'alice'] });
  expect(planUser({ ...base, groups: 'labweb', append: true }, state)).toEqual({ command: ['usermod', '-a', '-G', 'labweb', 'alice'] });
  expect(planUser({ ...base, groups: 'labdev', append: true }, state)).toEqual({ command: null });
  expect(planUser({ ...base, groups: '' }, state)).toEqual({ command: ['usermod', '-G', '', 'alice'] });
  expect(planUser({ ...base, groups: 'nosuch' }, state)).toEqual({ error: 'Group nosuch does not exist' });
});

test('password, lock and expiry against the shadow entry', () => {
  expect(planUser({ ...base, password: '$6$s$h' }, state)).toEqual({ command: null });
  expect(planUser({ ...base, password: '$6$t$x', updatePassword: 'on_create' }, state)).toEqual({ command: null });
  expect(planUser({ ...base, password: '$6$t$x', passwordLock: true }, state)).toEqual({ command: ['usermod', '-p', '!$6$t$x', 'alice'] });
  expect(planUser({ ...base, passwordLock: true }, state)).toEqual({ command: ['usermod', '-L', 'alice'] });
  expect(planUser({ ...base, expires: 1893456000 }, state)).toEqual({ command: ['usermod', '-e', '2030-01-01', 'alice'] });
  expect(planUser({ ...base, expires: -1 }, state)).toEqual({ command: null });
  // No shadow entry (a line added to /etc/passwd alone): Ansible's getspnam finds none, takes 0, and runs usermod -e ''.
  const noShadow = parseAccount(OUTPUT.replace(/^@@playbook:shadow=.*$/m, '@@playbook:shadow='));
  expect(noShadow.shadow).toBeNull();
  expect(planUser({ ...base, expires: -1 }, noShadow)).toEqual({ command: ['usermod', '-e', '', 'alice'] });
});

test('useradd for a new account; userdel with -f and -r', () => {
  const none = parseAccount('@@playbook:hostname=n\n@@playbook:groups\nbob:x:2005:\nlabdev:x:3001:\n');
  expect(planUser({ ...base, name: 'bob', uid: 2005, nonUnique: true, groups: 'labdev', system: true, createHome: false, password: '$6$a$b' }, none)).toEqual({
    command: ['useradd', '-u', '2005', '-o', '-N', '-G', 'labdev', '-p', '$6$a$b', '-M', '-r', 'bob'],
  });
  expect(planUser({ ...base, state: 'absent', force: true, remove: true }, state)).toEqual({ command: ['userdel', '-f', '-r', 'alice'] });
  expect(planUser({ ...base, state: 'absent' }, none)).toEqual({ command: null });
});

test('the unhashed password warning, as Ansible decides it', () => {
  expect(passwordLooksUnhashed('secret')).toBe(true);
  expect(passwordLooksUnhashed('$6$labsalt1$DLNHtul5yuEqc0G29lS0Ij9dIUl87sbp9Xe5bkVHtP2C4EwGRallEbNCmmMuz7ic11noGccS.dLZV851t7WgT.')).toBe(false);
  expect(passwordLooksUnhashed('$6$short$abc')).toBe(true);
});

test('group: groupadd, groupmod for another gid, groupdel', () => {
  const groups = state.groups;
  expect(planGroup({ name: 'labweb', state: 'present', gid: 3003, system: false, nonUnique: false, force: false }, groups)).toBeNull();
  expect(planGroup({ name: 'labweb', state: 'present', gid: 3010, system: false, nonUnique: true, force: false }, groups)).toEqual(['groupmod', '-g', '3010', '-o', 'labweb']);
  expect(planGroup({ name: 'new', state: 'present', gid: null, system: true, nonUnique: false, force: false }, groups)).toEqual(['groupadd', '-r', 'new']);
  expect(planGroup({ name: 'labweb', state: 'absent', gid: null, system: false, nonUnique: false, force: true }, groups)).toEqual(['groupdel', '-f', 'labweb']);
});
