/**
 * A role's action_plugins/<name>.py runs for the unqualified name, over the built-in module, with
 * the controller's ansible-core; module_defaults levels replace each other per module. Expectations
 * checked against ansible-playbook 2.19.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
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

const ON_HOST = `from __future__ import annotations

import os

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        low = self._low_level_execute_command(self._task.args['cmd'])
        module = self._execute_module(module_name='ansible.legacy.command', module_args={'_raw_params': 'echo from-module'}, task_vars=task_vars)
        # The non-pipelined way: a remote tmp dir, a file put there, read back and fetched.
        tmpdir = self._make_tmp_path()
        remote = self._connection._shell.join_path(tmpdir, 'data')
        self._transfer_data(remote, 'put by the plugin')
        cat = self._low_level_execute_command('cat ' + remote)
        local = os.path.join(self._loader.get_basedir(), 'fetched')
        self._connection.fetch_file(remote, local)
        with open(local) as f:
            fetched = f.read()
        self._remove_tmp_path(tmpdir)
        gone = self._low_level_execute_command('test -e ' + tmpdir)
        shell = self._shared_loader_obj.action_loader.get('ansible.legacy.shell', task=self._task, connection=self._connection,
                                                          play_context=self._play_context, loader=self._loader, templar=self._templar,
                                                          shared_loader_obj=self._shared_loader_obj)
        self._task.args = {'_raw_params': 'echo "$PB_FROM_ENV"; exit 4'}
        via_shell = shell.run(task_vars=task_vars)
        result.update(low_rc=low['rc'], low_stdout=low['stdout'], module_rc=module['rc'], module_stdout=module['stdout'],
                      cat=cat['stdout'], fetched=fetched, tmp_removed=gone['rc'] != 0,
                      shell_rc=via_shell['rc'], shell_stdout=via_shell['stdout'], interpreter=task_vars['ansible_python_interpreter'])
        return result
`;

test('an action plugin runs commands and modules on its host and copies files to and from it, over the host connection', async () => {
  const dir = project({
    'inventory.ini': `node1 ansible_connection=local ansible_python_interpreter=${ansiblePython()}\n`,
    'action_plugins/on_host.py': ON_HOST,
    'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - on_host: { cmd: 'echo low-level; exit 3' }
      environment: { PB_FROM_ENV: from the task }
      register: r
    - copy: { dest: "{{ playbook_dir }}/res.json", content: "{{ r | to_json }}" }
`,
  });
  const ran = await run(dir);
  expect(ran.exitCode, ran.output).toBe(0);
  const r = JSON.parse(readFileSync(`${dir}/res.json`, 'utf8')) as Record<string, unknown>;
  expect(r).toMatchObject({
    low_rc: 3,
    low_stdout: 'low-level\n',
    module_rc: 0,
    module_stdout: 'from-module',
    cat: 'put by the plugin',
    fetched: 'put by the plugin',
    tmp_removed: true,
    shell_rc: 4,
    shell_stdout: 'from the task',
    interpreter: ansiblePython(),
  });
}, 60_000);

const WHOAMI = `from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        low = self._low_level_execute_command('id -un')
        module = self._execute_module(module_name='ansible.legacy.command', module_args={'_raw_params': 'id -un'}, task_vars=task_vars)
        return dict(low=low['stdout'].strip(), module=module.get('stdout', module.get('msg')))
`;

test("an action plugin's host operations are UNREACHABLE when the host is; they run as the task's become user", async () => {
  // sudo to another user needs root (or a sudoers entry) on this machine.
  const canBecome = process.getuid?.() === 0 && existsSync('/usr/bin/sudo');
  // The become user runs the module with a Python it can read (not one under root's home).
  const python = canBecome && existsSync('/usr/bin/python3') ? '/usr/bin/python3' : ansiblePython();
  const dir = project({
    'inventory.ini': `node1 ansible_connection=local ansible_python_interpreter=${python}\nfar ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1\n`,
    'action_plugins/whoami.py': WHOAMI,
    'pb.yml': `- hosts: far
  gather_facts: false
  tasks:
    - whoami:
- hosts: node1
  gather_facts: false
  tasks:
    - whoami:
      become: ${String(canBecome)}
      become_user: nobody
      register: r
    - copy: { dest: "{{ playbook_dir }}/res.json", content: "{{ r | to_json }}" }
`,
  });
  const ran = await run(dir);
  expect(ran.output).toMatch(/fatal: \[far\]: UNREACHABLE! => .*ECONNREFUSED/);
  expect(recapLine(ran.output, 'far')).toMatch(/unreachable=1 +failed=0/);
  const me = canBecome ? 'nobody' : userInfo().username;
  expect(JSON.parse(readFileSync(`${dir}/res.json`, 'utf8'))).toMatchObject({ low: me, module: me });
}, 60_000);
