/** ansible.posix.sysctl's decisions, without a host: the file's new lines and what must run. */
import { expect, test } from 'vitest';
import { planSysctl, sysctlValue } from '../../src/modules/support/sysctl-file.js';

const present = { name: 'net.core.somaxconn', value: '4096', state: 'present' as const, reload: true, sysctlSet: false };

test('adds the parameter, normalising every setting line and keeping comments', () => {
  const plan = planSysctl(present, '# tuning\nvm.swappiness = 10\n\n; old\nvm.swappiness=20\n', '128');
  expect(plan).toEqual({ changed: true, write: '# tuning\nvm.swappiness=10\n\n; old\nnet.core.somaxconn=4096\n', setRunning: false, reload: true });
});

test('replaces a different value, leaves an equal one alone unless the kernel differs and reload is on', () => {
  expect(planSysctl(present, 'net.core.somaxconn = 128\n', '128').write).toBe('net.core.somaxconn=4096\n');
  expect(planSysctl(present, 'net.core.somaxconn=4096\n', '4096')).toEqual({ changed: false, write: undefined, setRunning: false, reload: false });
  expect(planSysctl(present, 'net.core.somaxconn=4096\n', '128')).toEqual({ changed: true, write: undefined, setRunning: false, reload: true });
  expect(planSysctl({ ...present, reload: false }, 'net.core.somaxconn=4096\n', '128').changed).toBe(false);
});

test('absent drops the line; sysctl_set compares the running value word by word', () => {
  expect(planSysctl({ ...present, state: 'absent', value: '' }, 'a=1\nnet.core.somaxconn=4096\n', '4096').write).toBe('a=1\n');
  expect(planSysctl({ ...present, state: 'absent', value: '' }, 'a=1\n', '4096').changed).toBe(false);
  const ports = { ...present, name: 'net.ipv4.ip_local_port_range', value: '32768 60999', sysctlSet: true, reload: false };
  expect(planSysctl(ports, 'net.ipv4.ip_local_port_range=32768 60999\n', '32768\t60999\n')).toMatchObject({ changed: false, setRunning: false });
  expect(planSysctl(ports, 'net.ipv4.ip_local_port_range=32768 60999\n', '1024\t60999\n')).toMatchObject({ changed: true, setRunning: true });
});

test('booleans become 1 and 0, as Ansible writes them', () => {
  expect([sysctlValue('yes'), sysctlValue('False'), sysctlValue(' 10 '), sysctlValue(null)]).toEqual(['1', '0', '10', '']);
});

test('absent with an empty value in the file: nothing to drop, but a reload when the kernel has a value (as Ansible decides)', () => {
  const absent = { ...present, state: 'absent' as const, value: '' };
  expect(planSysctl(absent, 'net.core.somaxconn=\n', '4096')).toEqual({ changed: true, write: undefined, setRunning: false, reload: true });
  expect(planSysctl({ ...absent, reload: false }, 'net.core.somaxconn=\n', '4096').changed).toBe(false);
});
