/**
 * Lookups playbook does not carry run with the controller's ansible-core: ansible.builtin.config
 * (the settings table, the playbook's ansible.cfg, per-plugin options from variables), a
 * lookup_plugins/ file beside the playbook or in a role; without ansible-core, an error naming the
 * lookup and what to install. Expectations checked against ansible-playbook 2.19.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ansiblePython, pythonWithoutAnsible } from '../support/ansible.js';
import { project, recapLine, run } from './helpers.js';

const INVENTORY = 'localhost ansible_connection=local\n';

const saved = process.env['PLAYBOOK_ANSIBLE_PYTHON'];
afterEach(() => {
  if (saved === undefined) delete process.env['PLAYBOOK_ANSIBLE_PYTHON'];
  else process.env['PLAYBOOK_ANSIBLE_PYTHON'] = saved;
});

const GREET = `from __future__ import annotations

from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return ['%s %s%s' % (variables['greeting'], term, kwargs.get('suffix', '')) for term in terms]
`;

describe('with ansible-core on the controller', () => {
  beforeEach(() => {
    process.env['PLAYBOOK_ANSIBLE_PYTHON'] = ansiblePython();
  });

  test("the config lookup: a setting from the playbook's ansible.cfg, on_missing, a plugin's option from a variable, with its origin", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'ansible.cfg': '[defaults]\ntimeout = 33\n',
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - set_fact:
        missing: "{{ lookup('config', 'NO_SUCH_SETTING') }}"
      register: missing
      ignore_errors: true
    - copy:
        dest: "{{ playbook_dir }}/res.json"
        content: "{{ res | to_json }}"
      vars:
        ansible_ssh_user: lola
        res:
          timeout: "{{ lookup('config', 'DEFAULT_TIMEOUT') }}"
          skipped: "{{ q('ansible.builtin.config', 'NO_SUCH_SETTING', on_missing='skip') }}"
          user: "{{ q('config', 'remote_user', plugin_type='connection', plugin_name='ssh', show_origin=True) }}"
          missing: "{{ missing.msg }}"
`,
    });
    const r = await run(dir);
    expect(r.exitCode, r.output).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'res.json'), 'utf8'))).toEqual({
      timeout: 33,
      skipped: [],
      user: [['lola', 'var: ansible_ssh_user']],
      missing: expect.stringContaining("The lookup plugin 'config' failed: No config definition exists for 'NO_SUCH_SETTING'."),
    });
  }, 60_000);

  test("a Python lookup plugin beside the playbook and in a role: its result, with the task's variables and the keyword arguments; as a with_ loop too", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'lookup_plugins/greet.py': GREET,
      'roles/r/lookup_plugins/shout.py': GREET.replace("return ['%s", "return [x.upper() for x in ['%s").replace('in terms]', 'in terms]]'),
      'roles/r/tasks/main.yml': `- set_fact:
    shouted: "{{ lookup('shout', 'b') }}"
`,
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  vars:
    greeting: hello
    uses_greet: "{{ lookup('greet', 'x') }}"
  roles: [r]
  tasks:
    - set_fact:
        one: "{{ lookup('greet', 'world', suffix='!') }}"
        many: "{{ query('greet', 'a', 'b') }}"
        # A variable that calls the lookup itself is left out of the variables it sees, not run in a loop.
        nested: "{{ lookup('greet', 'y') }} {{ uses_greet }}"
    - set_fact:
        looped: "{{ looped | default([]) + [item] }}"
      with_greet: [x, y]
    - copy:
        dest: "{{ playbook_dir }}/res.json"
        content: "{{ {'one': one, 'many': many, 'nested': nested, 'looped': looped, 'shouted': shouted} | to_json }}"
`,
    });
    const r = await run(dir);
    expect(r.exitCode, r.output).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'res.json'), 'utf8'))).toEqual({
      one: 'hello world!',
      many: ['hello a', 'hello b'],
      nested: 'hello y hello x',
      looped: ['hello x', 'hello y'],
      shouted: 'HELLO B',
    });
  }, 60_000);

  test("a lookup_plugins/ file takes the name of playbook's own lookup (bare and ansible.legacy, with_ too), not of ansible.builtin's; another collection's name is never playbook's own", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'lookup_plugins/env.py': `from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return ['mine:%s' % t for t in terms]
`,
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - set_fact:
        looked: "{{ [lookup('env', 'HOME'), lookup('ansible.legacy.env', 'HOME'), lookup('ansible.builtin.env', 'HOME') == lookup('pipe', 'echo $HOME')] }}"
    - set_fact:
        looped: "{{ item }}"
      with_env: [HOME]
    - debug: msg="{{ lookup('my.coll.items', [1]) }}"
      register: other
      ignore_errors: true
    - copy:
        dest: "{{ playbook_dir }}/res.json"
        content: "{{ [looked, looped, other.msg] | to_json }}"
`,
    });
    const r = await run(dir);
    expect(r.exitCode, r.output).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'res.json'), 'utf8'))).toEqual([
      ['mine:HOME', 'mine:HOME', true],
      'mine:HOME',
      expect.stringContaining("The lookup plugin 'my.coll.items' was not found."),
    ]);
  }, 60_000);

  test('a float stays a float; a plugin that takes markers (accept_args_markers) gets an undefined term, one that does not fails on it', async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'lookup_plugins/floaty.py': `from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [2.0, 3]
`,
      'lookup_plugins/passes.py': `from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    accept_args_markers = True

    def run(self, terms, variables=None, **kwargs):
        return terms
`,
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - debug: msg="{{ query('floaty') | map('type_debug') | list }}"
    - debug: msg="{{ lookup('passes', '{{ nowhere }}', 42)[1] }}"
    - debug: msg="{{ lookup('floaty', '{{ nowhere }}') }}"
      ignore_errors: true
`,
    });
    const r = await run(dir);
    expect(r.output).toMatch(/"msg": \[\n\s+"float",\n\s+"int"\n\s+\]/);
    expect(r.output).toContain('"msg": 42');
    expect(r.output).toContain("Error while resolving value for 'msg': 'nowhere' is undefined");
    expect(recapLine(r.output, 'localhost')).toMatch(/ok=3 .*failed=0 .*ignored=1/);
  }, 60_000);

  test("a plugin's error fails the task as Ansible words it (one that does not load, even with errors=ignore); a lookup nothing provides is still not found", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'lookup_plugins/boom.py': `from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        raise AnsibleError('boom from the plugin')
`,
      'lookup_plugins/broken.py': "raise NotImplementedError('boom on load')\n",
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - debug: msg="{{ lookup('boom') }}"
      ignore_errors: true
    - debug: msg="{{ lookup('boom', errors='ignore') }}"
      register: ignored
    - debug: msg="{{ lookup('broken', errors='ignore') }}"
      ignore_errors: true
    - assert:
        that: ignored.msg == 'Hello world!'
    - debug: msg="{{ lookup('no_such_lookup_anywhere') }}"
`,
    });
    const r = await run(dir);
    expect(r.output).toContain("The lookup plugin 'boom' failed: boom from the plugin");
    // A plugin that does not load fails whatever errors= says, as in Ansible.
    expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': The lookup plugin 'broken' failed to load: boom on load"`);
    expect(r.output).toContain('All assertions passed');
    expect(r.output).toContain("The lookup plugin 'no_such_lookup_anywhere' was not found.");
    expect(recapLine(r.output, 'localhost')).toMatch(/failed=1 .*ignored=2/);
  }, 60_000);
});

test('without ansible-core on the controller: the error names the lookup and what to install', async () => {
  const dir = project({
    'inventory.ini': INVENTORY,
    'lookup_plugins/greet.py': GREET,
    'pb.yml': `
- hosts: localhost
  gather_facts: false
  vars:
    greeting: hello
  tasks:
    - debug: msg="{{ lookup('config', 'DEFAULT_TIMEOUT') }}"
      ignore_errors: true
    - debug: msg="{{ lookup('greet', 'world') }}"
`,
  });
  const noAnsible = pythonWithoutAnsible(dir);
  process.env['PLAYBOOK_ANSIBLE_PYTHON'] = noAnsible;
  const r = await run(dir);
  expect(r.output).toContain(
    `The lookup plugin 'config' was not found. (lookups playbook does not carry run with ansible-core on the controller: pip install ansible-core, or set PLAYBOOK_ANSIBLE_PYTHON; no ansible in ${noAnsible})`,
  );
  expect(r.output).toContain(
    `The lookup plugin 'greet' failed: lookup plugin 'greet' (${path.join(dir, 'lookup_plugins', 'greet.py')}) needs ansible-core (lookups playbook does not carry run with ansible-core on the controller: pip install ansible-core, or set PLAYBOOK_ANSIBLE_PYTHON; no ansible in ${noAnsible})`,
  );
  expect(recapLine(r.output, 'localhost')).toMatch(/failed=1 .*ignored=1/);
}, 60_000);
