/**
 * A role's action_plugins/<name>.py runs for the unqualified name, over the built-in module, with
 * the controller's ansible-core; module_defaults levels replace each other per module. Expectations
 * checked against ansible-playbook 2.19.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ansiblePython } from '../support/ansible.js';
import { LOCAL_INVENTORY, project, recapLine, run } from './helpers.js';

const saved = process.env['PLAYBOOK_ANSIBLE_PYTHON'];
beforeAll(() => {
  process.env['PLAYBOOK_ANSIBLE_PYTHON'] = ansiblePython();
});
afterAll(() => {
  if (saved === undefined) delete process.env['PLAYBOOK_ANSIBLE_PYTHON'];
  else process.env['PLAYBOOK_ANSIBLE_PYTHON'] = saved;
});

const OVERRIDING_DEBUG = `from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)

        if self._task.args and 'msg' in self._task.args:
            msg = self._task.args.get('msg')
        else:
            msg = "Hello overridden world!"

        result['changes'] = False
        result['msg'] = msg
        return result
`;

const FAILING = `from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        raise AnsibleActionFail('boom from the plugin')
`;

test("a role's action plugin takes the unqualified name; ansible.builtin.<name> stays the built-in; module_defaults apply to it, an inner level's entry replacing the outer one", async () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'roles/r/action_plugins/debug.py': OVERRIDING_DEBUG,
    'roles/r/action_plugins/boom.py': FAILING,
    'roles/r/tasks/main.yml': `- debug:
  register: r1
- debug: msg=given
  register: r2
- name: defaults
  module_defaults:
    debug: { msg: from defaults }
  block:
    - debug:
      register: r3
    - module_defaults:
        debug: {}
      block:
        - debug:
          register: r4
- boom:
  register: r5
  ignore_errors: true
- ansible.builtin.debug: msg=builtin
  register: r6
- copy: { dest: "{{ playbook_dir }}/res.json", content: "{{ [r1, r2, r3, r4, r5, r6] | to_json }}" }
`,
    'pb.yml': '- hosts: node1\n  gather_facts: false\n  roles: [r]\n',
  });
  const ran = await run(dir);
  expect(ran.exitCode).toBe(0);
  const [r1, r2, r3, r4, r5, r6] = JSON.parse(readFileSync(`${dir}/res.json`, 'utf8')) as Record<string, unknown>[];
  expect(r1).toMatchObject({ msg: 'Hello overridden world!', changes: false, failed: false });
  expect(r2).toMatchObject({ msg: 'given' });
  expect(r3).toMatchObject({ msg: 'from defaults' });
  expect(r4).toMatchObject({ msg: 'Hello overridden world!' });
  expect(r5).toMatchObject({ failed: true, msg: 'boom from the plugin' });
  expect(r6).toMatchObject({ msg: 'builtin' });
  // The plugin's result has no _ansible_verbose_always: the line shows no result, as under Ansible.
  expect(ran.output).toMatch(/TASK \[r : debug\] \*+\nok: \[node1\]\n/);
  expect(ran.output).toContain('fatal: [node1]: FAILED! => {"changed": false, "msg": "boom from the plugin"}\n...ignoring');
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=7 .*changed=1 .*failed=0 .*ignored=1/);
});
