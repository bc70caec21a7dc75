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

const ECHO = `from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        return dict(action_args=self._task.args)
`;

test('arguments as ansible-core parses them: an action plugin that supports raw params keeps its free-form words; the action-as-dict precedence', async () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'action_plugins/echo.py': ECHO,
    'action_plugins/echo_raw.py': ECHO.replace('class ActionModule(ActionBase):\n', 'class ActionModule(ActionBase):\n    supports_raw_params = True\n\n'),
    'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - echo_raw: '{{ "vp_scalar" }} chdir={{ "from_kv" }} warn={{ omit }}'
      args: { a: from args, chdir: masked, warn: masked by omit }
      register: raw
    - action:
        args: { a: from_action_args }
        module: echo {{ vp }} a=masked b=from_action_module_kv
        a: masked
        b: masked
        c: from_discrete_args
      args: { a: masked, b: masked, c: masked, d: from_task_args }
      vars:
        vp: { a: masked, b: masked, c: masked, d: masked, e: from_vp }
      register: dict_form
    - action:
        module: "{{ 'echo' }}"
        args: "{{ echo_args }}"
      vars:
        echo_args: { a: 1 }
      register: templated
    - echo: a=1 junk
      ignore_errors: true
      register: junk
    - debug: { msg: "{{ raw.action_args | to_json }} | {{ dict_form.action_args | to_json }} | {{ templated.action_args | to_json }} | {{ junk.msg }}" }
`,
  });
  const r = await run(dir);
  // ansible-playbook 2.19 prints the same message for this playbook.
  expect(r.output).toContain(
    `"msg": "{\\"_raw_params\\": \\"vp_scalar\\", \\"a\\": \\"from args\\", \\"chdir\\": \\"from_kv\\"} | {\\"a\\": \\"from_action_args\\", \\"b\\": \\"from_action_module_kv\\", \\"c\\": \\"from_discrete_args\\", \\"d\\": \\"from_task_args\\", \\"e\\": \\"from_vp\\"} | {\\"a\\": 1} | Task failed: Action 'echo' does not support raw params."`,
  );
  expect(recapLine(r.output, 'node1')).toMatch(/ok=5 +changed=0 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=1/);
}, 60_000);
