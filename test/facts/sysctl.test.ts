/** The sysctl_state fact's parse, on what its command prints on a Debian 12 lab node. */
import { expect, test } from 'vitest';
import { sysctlState } from '../../src/facts/sysctl.js';

test('the running value, the real path, the file attributes and its text', () => {
  const out = '@@playbook:running=32768\t60999\n@@playbook:real=/etc/sysctl.conf\n@@playbook:attributes=644 root root\n@@playbook:file\n# tuning\nvm.swappiness = 10\n';
  expect(sysctlState.parse(out, 'net.ipv4.ip_local_port_range', '/etc/sysctl.d/99-sysctl.conf')).toEqual({
    running: '32768\t60999',
    realPath: '/etc/sysctl.conf',
    attributes: { mode: 0o644, owner: 'root', group: 'root' },
    file: '# tuning\nvm.swappiness = 10\n',
  });
});

test('an unknown key and a file that does not exist', () => {
  expect(sysctlState.parse('@@playbook:real=/etc/sysctl.d/90-lab.conf\n', 'no.such', '/etc/sysctl.d/90-lab.conf')).toEqual({ running: null, realPath: '/etc/sysctl.d/90-lab.conf', attributes: null, file: null });
  // sysctl -e -n prints nothing and exits 0 for an unknown key: Ansible takes that as an empty value.
  expect(sysctlState.parse('@@playbook:running=\n@@playbook:real=/x\n', 'no.such', '/x').running).toBe('');
});
