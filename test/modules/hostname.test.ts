/** hostname's decisions without a host, on what the hostname_state fact prints on a Debian 12 lab node. */
import { expect, test } from 'vitest';
import { parseHostname } from '../../src/facts/hostname.js';
import { planHostname } from '../../src/modules/hostname.js';

const OUTPUT = 'systemd\t1\ntransient\t0\ntransient.out\tdrifted\nstatic\t0\nstatic.out\tnode2\nfile\tnode2\ncurrent\tdrifted\nfqdn\tdrifted\ndistribution\tdebian \nmounted\t1\n';

test('the fact', () => {
  expect(parseHostname(OUTPUT)).toEqual({ systemd: true, transient: { rc: 0, out: 'drifted' }, static: { rc: 0, out: 'node2' }, file: 'node2', current: 'drifted', fqdn: 'drifted', distribution: 'debian', hostnameMounted: true });
});

test('systemd: the static name before the transient one, only what differs', () => {
  const state = parseHostname(OUTPUT);
  expect(planHostname('node2', 'systemd', state)).toEqual({ current: 'drifted', permanent: 'node2', steps: ['transient'] });
  expect(planHostname('web01', 'systemd', state)).toEqual({ current: 'drifted', permanent: 'node2', steps: ['static', 'transient'] });
  expect(planHostname('x', 'systemd', { ...state, static: { rc: 1, out: 'Failed to connect to bus' } })).toEqual({ error: 'Command failed rc=1, out=, err=Failed to connect to bus' });
});

test('the file strategies read the name from /etc/hostname; alpine runs hostname -F before writing it, as Ansible does', () => {
  const state = parseHostname(OUTPUT);
  expect(planHostname('node2', 'file', state)).toEqual({ current: 'node2', permanent: 'node2', steps: [] });
  expect(planHostname('web01', 'alpine', state)).toEqual({ current: 'node2', permanent: 'node2', steps: ['hostname-F', 'file'] });
});
