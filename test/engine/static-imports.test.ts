/** import_tasks/import_role names templated while the playbook loads, as ansible-playbook 2.19 does (checked against it). */
import { expect, test } from 'vitest';
import { LOCAL_INVENTORY, cli, project, recapLine, run } from './helpers.js';

test('a templated import name is rendered with the variables known at load time: role_path, role and play vars, -e', async () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'roles/r/vars/main.yml': 'sub: tests\n',
    'roles/r/tests/main.yml': '- debug: msg="from {{ role_name }} tests"\n',
    'roles/r/tasks/main.yml': '- import_tasks: "{{ role_path }}/{{ sub }}/main.yml"\n- import_role: name="{{ which }}"\n- import_tasks: "{{ dir }}/t.yml"\n',
    'roles/other/tasks/main.yml': '- debug: msg="other role"\n',
    'files/t.yml': '- debug: msg="extra {{ dir }}"\n',
    'pb.yml': `- hosts: node1
  gather_facts: false
  vars:
    which: other
  roles: [r]
`,
  });
  const ran = await run(dir, 'pb.yml', { extraVars: ['dir=files'] });
  expect(ran.exitCode).toBe(0);
  expect([...ran.output.matchAll(/"msg": "(.*)"/g)].map((m) => m[1])).toEqual(['from r tests', 'other role', 'extra files']);
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=3 .*failed=0/);
});

test('an import name that needs a host variable is refused before anything runs (exit 4)', async () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - import_tasks: "{{ inventory_hostname }}.yml"
`,
  });
  const message = "Error when evaluating variable in import path '{{ inventory_hostname }}.yml': 'inventory_hostname' is undefined";
  await expect(run(dir)).rejects.toThrow(message);
  const ran = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
  expect(ran.code).toBe(4);
  expect(ran.stderr + ran.stdout).toContain(message);
});
