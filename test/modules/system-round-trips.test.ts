/**
 * What an idempotent re-run of the system modules costs, counted on a recording transport over the
 * local host: one round trip each (user, group: the account read; sysctl: the key and file read;
 * pam_limits: the file's stat with its content).
 */
import { userInfo } from 'node:os';
import { expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { project, recapLine, run } from '../engine/helpers.js';
import { RecordingConnection } from '../support/recording-connection.js';

test('user, group, sysctl and pam_limits already as asked: one operation each on the host', async () => {
  const me = userInfo();
  const dir = project({
    'inventory.ini': 'node1 ansible_connection=recorder\n',
    'sysctl.conf': 'vm.swappiness=10\n',
    'limits.conf': '*\tsoft\tnofile\t4096\n',
    'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - user: { name: ${me.username}, home: ${me.homedir} }
    - group: { name: root }
    - sysctl: { name: vm.swappiness, value: "10", sysctl_file: "{{ playbook_dir }}/sysctl.conf", reload: false }
    - pam_limits: { dest: "{{ playbook_dir }}/limits.conf", domain: "*", limit_type: soft, limit_item: nofile, value: "4096" }
`,
  });
  const opened: RecordingConnection[] = [];
  const ran = await run(dir, 'pb.yml', {
    connections: {
      recorder: (host: string) => {
        const conn = new RecordingConnection(new LocalConnection(host));
        opened.push(conn);
        return conn;
      },
    },
  });
  expect(recapLine(ran.output, 'node1'), ran.output).toMatch(/ok=4 +changed=0 +unreachable=0 +failed=0/);
  const calls = opened.flatMap((c) => c.calls);
  expect(calls.map((c) => c.op)).toEqual(['exec', 'exec', 'exec', 'stat']);
});
