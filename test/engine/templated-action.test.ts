/**
 * `action:` whose module name is a template (ansible-core's user and group targets install libuser
 * with `action: "{{ ansible_facts.pkg_mgr }}"`): the play loads, and the module is named at run
 * time by the host's variables; a name that resolves to no module fails that task only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { project, recapLine, run } from './helpers.js';

test('a templated module name in action: resolves at run time, per host', { timeout: 30_000 }, async () => {
  const dir = project({
    'inventory.ini': 'localhost ansible_connection=local\n',
    'pb.yml': `- hosts: localhost
  gather_facts: false
  vars:
    writer: copy
  tasks:
    - action: "{{ writer }}"
      args:
        content: "written"
        dest: "{{ playbook_dir }}/out"
    - action: "{{ 'de' ~ 'bug' }} msg=spaced"
      register: said
    - action: "{{ 'no_such_module' }}"
      register: missing
      ignore_errors: true
    - copy: { dest: "{{ playbook_dir }}/report", content: "{{ [said.msg, missing.msg] | to_json }}" }
`,
  });
  const ran = await run(dir);
  expect(readFileSync(path.join(dir, 'out'), 'utf8')).toBe('written');
  expect(JSON.parse(readFileSync(path.join(dir, 'report'), 'utf8'))).toEqual(['spaced', "couldn't resolve module/action 'no_such_module'"]);
  expect(recapLine(ran.output, 'localhost')).toMatch(/ok=4\s+changed=2\s+unreachable=0\s+failed=0\s+skipped=0\s+rescued=0\s+ignored=1/);
});
