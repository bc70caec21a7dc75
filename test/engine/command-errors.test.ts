/** command's failures as Ansible's command module reports them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { LOCAL_INVENTORY, project, run } from './helpers.js';

test('a program that does not exist fails with errno 2 and empty output, as the OSError Ansible gets from exec', async () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - command: commandthatdoesnotexist --would-be-awkward
      register: res
      failed_when: res.stdout != '' or res.stderr != ''
    - copy: { dest: "{{ playbook_dir }}/res.json", content: "{{ res | to_json }}" }
`,
  });
  const ran = await run(dir);
  expect(ran.exitCode).toBe(0);
  const res = JSON.parse(readFileSync(path.join(dir, 'res.json'), 'utf8')) as Record<string, unknown>;
  expect(res).toMatchObject({ rc: 2, stdout: '', stderr: '', msg: "[Errno 2] No such file or directory: b'commandthatdoesnotexist'" });
});
