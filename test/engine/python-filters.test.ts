/**
 * Filters and tests playbook does not carry run with the controller's ansible-core: a role's
 * filter_plugins/ and test_plugins/ files, the playbook's; a file provides the names its
 * FilterModule().filters() maps, whatever it is called. Errors as Ansible words them; without
 * ansible-core, an error naming the filter and what to install. Expectations checked against
 * ansible-playbook 2.19.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
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

// The file's name is none of its filters' names: Ansible loads every file and collects the maps.
const MISC = `from __future__ import annotations


def wrap(value, left='[', right=']', sep=None):
    if sep is not None:
        return sep.join('%s%s%s' % (left, v, right) for v in value)
    return '%s%s%s' % (left, value, right)


def explode(value):
    raise ValueError('cannot explode %r' % (value,))


def kind(v):
    for t, n in ((bool, 'bool'), (int, 'int'), (float, 'float'), (str, 'str'), (list, 'list'), (dict, 'dict')):
        if isinstance(v, t):
            return n
    return 'None' if v is None else 'other'


def kinds(value, *args, **kwargs):
    return {'value': [kind(value), value], 'args': [[kind(a), a] for a in args], 'kwargs': dict((k, [kind(v), v]) for k, v in kwargs.items())}


class FilterModule:
    def filters(self):
        return {'wrap': wrap, 'explode': explode, 'kinds': kinds, 'halve': lambda v: v / 2}
`;

// As ansible-core's own templating target: the entry fails when Ansible wraps it.
const BROKEN = (cls: string, method: string): string => `class Broken:
    @property
    def accept_args_markers(self):
        raise Exception('boom')


class ${cls}:
    def ${method}(self):
        return {'broken': Broken()}
`;

function files(): Record<string, string> {
  return {
    'inventory.ini': INVENTORY,
    'filter_plugins/misc.py': MISC,
    'filter_plugins/broken_filter.py': BROKEN('FilterModule', 'filters'),
    'filter_plugins/fails_on_import.py': "raise Exception('boom at import')\n\ndef not_loaded(v):\n    return v\n",
    'test_plugins/broken_test.py': BROKEN('TestModule', 'tests'),
    'roles/r/filter_plugins/rolef.py': "class FilterModule(object):\n    def filters(self):\n        return {'twice': lambda v, times=2: v * times}\n",
    'roles/r/test_plugins/rolet.py': "class TestModule(object):\n    def tests(self):\n        return {'multiple_of': lambda v, base=2: v % base == 0, 'even': lambda v, base=2: v % base == 0}\n",
    // A role with no tasks, only filters, that r depends on: loading it adds its folders.
    'roles/only_filters/filter_plugins/f.py': "class FilterModule:\n    def filters(self):\n        return {'triple': lambda v: v * 3}\n",
    'roles/r/meta/main.yml': 'dependencies: [only_filters]\n',
    'roles/r/tasks/main.yml': `- set_fact:
    from_role: "{{ [21 | twice, 'ab' | twice(3), 4 is multiple_of, 9 is multiple_of(base=3), 7 is multiple_of(base=2), 7 is not multiple_of, 9 is even(base=3)] }}"
`,
  };
}

describe('with ansible-core on the controller', () => {
  beforeEach(() => {
    process.env['PLAYBOOK_ANSIBLE_PYTHON'] = ansiblePython();
  });

  test("a role's and the playbook's filter and test plugins: value, arguments and keyword arguments as Python gets them, the result's types kept; known to the up-front check", async () => {
    const dir = project({
      ...files(),
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  roles: [r]
  tasks:
    - copy:
        dest: "{{ playbook_dir }}/res.json"
        content: "{{ res | to_json }}"
      vars:
        res:
          from_role: "{{ from_role }}"
          wrap: "{{ 'x' | wrap }}"
          wrap_args: "{{ [1, 2] | wrap('<', right='>', sep=',') }}"
          kinds: "{{ 1.5 | kinds(none, true, [1, 2.0], {'a': 'b'}, k=3) }}"
          halve: "{{ 3 | halve }}"
          float_kept: "{{ (4 | halve) is float }}"
          qualified: "{{ 'y' | ansible.legacy.wrap }}"
          twice_in_play: "{{ 5 | twice }}"
          # misc.py mentions int and list, but provides neither: playbook's own run.
          native: "{{ ['5' | int, 'ab' | list] }}"
          from_dependency: "{{ 3 | triple }}"
`,
    });
    const r = await run(dir);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).not.toContain('No filter named');
    expect(r.output).not.toContain('No test named');
    expect(JSON.parse(readFileSync(path.join(dir, 'res.json'), 'utf8'))).toEqual({
      // The role's `even` takes the place of Jinja's, as in Ansible: it has a `base`.
      from_role: [42, 'ababab', true, true, false, true, true],
      wrap: '[x]',
      wrap_args: '<1>,<2>',
      kinds: {
        value: ['float', 1.5],
        args: [['None', null], ['bool', true], ['list', [1, 2.0]], ['dict', { a: 'b' }]],
        kwargs: { k: ['int', 3] },
      },
      halve: 1.5,
      float_kept: true,
      qualified: '[y]',
      twice_in_play: 10,
      native: [5, ['a', 'b']],
      from_dependency: 9,
    });
    // 2.0 stays a float when printed.
    expect(readFileSync(path.join(dir, 'res.json'), 'utf8')).toContain('["list", [1, 2.0]]');
  }, 90_000);

  test("errors as Ansible words them: an entry that fails to load, a filter raising, a name nothing provides (a file that fails on import provides none)", async () => {
    const dir = project({
      ...files(),
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - debug: msg="{{ '' | broken }}"
      ignore_errors: true
    - debug: msg="{{ '' is broken }}"
      ignore_errors: true
    - debug: msg="{{ 'a' | explode }}"
      ignore_errors: true
    - debug: msg="{{ 'a' | nope }}"
      ignore_errors: true
    - debug: msg="{{ 'a' is nope }}"
      ignore_errors: true
    - debug: msg="{{ 'a' | not_loaded }}"
      ignore_errors: true
`,
    });
    const r = await run(dir);
    expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': The filter plugin 'broken' failed to load: boom"`);
    expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': The test plugin 'broken' failed to load: boom"`);
    expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': The filter plugin 'explode' failed: cannot explode 'a'"`);
    expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: No filter named 'nope'."`);
    expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: No test named 'nope'."`);
    expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: No filter named 'not_loaded'."`);
    expect(recapLine(r.output, 'localhost')).toMatch(/ok=6 .*failed=0 .*ignored=6/);
  }, 90_000);
});

test("a collection's filter and test by their full names (the file's name is neither); a name the collection does not provide is unknown", async () => {
  process.env['PLAYBOOK_ANSIBLE_PYTHON'] = ansiblePython();
  const dir = project({
    'inventory.ini': INVENTORY,
    // Mentions whisper without providing it: ansible-core is asked, and says there is none.
    'collections/ansible_collections/my/coll/plugins/filter/text.py': "# no whisper here\nclass FilterModule:\n    def filters(self):\n        return {'shout': lambda v, end='!': v.upper() + end}\n",
    'collections/ansible_collections/my/coll/plugins/test/checks.py': 'class TestModule:\n    def tests(self):\n        return {\'loud\': lambda v: v == v.upper()}\n',
    'pb.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - copy:
        dest: "{{ playbook_dir }}/res.json"
        content: "{{ ['a' | my.coll.shout, 'b' | my.coll.shout(end='?'), 'A' is my.coll.loud, 'a' is my.coll.loud] | to_json }}"
    - debug: msg="{{ 'a' | my.coll.whisper }}"
      ignore_errors: true
    - debug: msg="{{ 'a' | no.such.filter }}"
      ignore_errors: true
`,
  });
  const r = await run(dir);
  expect(JSON.parse(readFileSync(path.join(dir, 'res.json'), 'utf8'))).toEqual(['A!', 'B?', true, false]);
  expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: No filter named 'my.coll.whisper'."`);
  expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: No filter named 'no.such.filter'."`);
  expect(recapLine(r.output, 'localhost')).toMatch(/ok=3 .*failed=0 .*ignored=2/);
}, 60_000);

test('without ansible-core on the controller: the error names the filter, its file and what to install; an unknown name is still unknown', async () => {
  const dir = project({
    'inventory.ini': INVENTORY,
    'filter_plugins/misc.py': MISC,
    'pb.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - debug: msg="{{ 'a' | nope }}"
      ignore_errors: true
    - debug: msg="{{ 'x' | wrap }}"
`,
  });
  const noAnsible = pythonWithoutAnsible(dir);
  process.env['PLAYBOOK_ANSIBLE_PYTHON'] = noAnsible;
  const r = await run(dir);
  expect(r.output).toContain("No filter named 'nope'.");
  expect(r.output).toContain(
    `filter plugin 'wrap' (${path.join(dir, 'filter_plugins', 'misc.py')}) needs ansible-core (filters playbook does not carry run with ansible-core on the controller: pip install ansible-core, or set PLAYBOOK_ANSIBLE_PYTHON; no ansible in ${noAnsible})`,
  );
  expect(recapLine(r.output, 'localhost')).toMatch(/failed=1 .*ignored=1/);
}, 60_000);

test('no Python starts for a name no plugin file mentions: a typo is unknown at once', async () => {
  const dir = project({
    'inventory.ini': INVENTORY,
    'filter_plugins/misc.py': MISC,
    'pb.yml': `
- hosts: localhost
  gather_facts: false
  tasks:
    - debug: msg="{{ 'a' | wrapp }} {{ 1 is odd }}"
      ignore_errors: true
`,
  });
  // A Python that says when it is started.
  const started = path.join(dir, 'python-started');
  const python = path.join(dir, 'python-that-tells');
  writeFileSync(python, `#!/bin/sh\necho "$@" >> ${started}\nexec python3 -S "$@"\n`);
  chmodSync(python, 0o755);
  process.env['PLAYBOOK_ANSIBLE_PYTHON'] = python;
  const r = await run(dir);
  expect(r.output).toContain("Syntax error in template: No filter named 'wrapp'.");
  expect(existsSync(started)).toBe(false);
}, 60_000);
