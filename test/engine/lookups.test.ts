/** Lookups as tasks use them (with_<lookup> loops, lookup() in arguments), as ansible-playbook 2.19 runs them. */
import { describe, expect, test } from 'vitest';
import { project, run } from './helpers.js';

const INVENTORY = 'localhost ansible_connection=local\n';

describe('with_<lookup> loops', () => {
  test("a lookup's failure fails the task as Ansible words it, a result with no `changed`", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  vars:
    qz_1: a
    qz_2: b
  tasks:
    - debug: msg={{ item }}
      with_sequence: start=4 end=1
      register: backwards
      ignore_errors: true
    - debug: msg={{ item }}
      with_together: []
      register: together
      ignore_errors: true
    - set_fact:
        names: "{{ names | default([]) + [item] }}"
      with_varnames: '^qz_'
    - assert:
        that:
          - backwards is failed
          - "backwards.msg == \\"The lookup plugin 'sequence' failed: to count backwards make stride negative\\""
          - backwards.changed is not defined
          - "together.msg == \\"The lookup plugin 'together' failed: with_together requires at least one element in each list\\""
          - names | sort == ['qz_1', 'qz_2']
`,
    });
    const r = await run(dir);
    expect(r.output).toContain('fatal: [localhost]: FAILED! => {"msg": "The lookup plugin \'sequence\' failed: to count backwards make stride negative"}');
    expect(r.output).toContain('All assertions passed');
    expect(r.exitCode).toBe(0);
  });
});

describe('lookup vars', () => {
  test("a task sees the connection's variables as Ansible sets them: address, pipelining, timeout, shell (not in vars, nor in hostvars)", async () => {
    const dir = project({
      'inventory.ini': 'web ansible_connection=local\ndb ansible_connection=local ansible_host=127.0.0.2\n',
      'pb.yml': `
- hosts: all
  gather_facts: false
  tasks:
    # Ansible adds them to what the task's arguments are templated with (not to an action's own
    # conditions: there, only ansible_host), so they are looked at through set_fact.
    - set_fact:
        seen:
          - "{{ lookup('vars', 'ansible_host') }}"
          - "{{ ansible_ssh_host }}"
          - "{{ query('vars', 'ansible_host', 'ansible_connection') }}"
          - "{{ [ansible_timeout, ansible_ssh_timeout, ansible_pipelining, ansible_shell_executable] }}"
          - "{{ 'ansible_host' in hostvars[inventory_hostname] }}"
          - "{{ 'ansible_ssh_host' in vars }}"
          - "{{ lookup('vars', 'ansible_user', default='none') }}"
    - assert:
        that:
          - "seen == [expected, expected, [expected, 'local'], [10, 10, false, '/bin/sh'], inventory_hostname == 'db', false, 'none']"
      vars:
        expected: "{{ '127.0.0.2' if inventory_hostname == 'db' else inventory_hostname }}"
`,
    });
    const r = await run(dir);
    expect(r.output).not.toContain('FAILED');
    expect(r.exitCode).toBe(0);
  });
});

describe('template lookup', () => {
  test("in a role, it finds the role's templates/, and an include beside the template", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'roles/r/templates/hello.txt': "Hello {% include 'world.txt' %}!\n",
      'roles/r/templates/world.txt': 'world\n',
      'roles/r/tasks/main.yml': `
- set_fact:
    hello: "{{ lookup('template', 'hello.txt') }}"
- assert:
    that:
      - hello == 'Hello world!\\n'
`,
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  roles: [r]
`,
    });
    const r = await run(dir);
    expect(r.output).toContain('All assertions passed');
    expect(r.exitCode).toBe(0);
  });
});

describe('with_first_found', () => {
  test("searches the folder its action names (vars/ for include_vars, files/ otherwise), skips undefined names, rejects a number", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'roles/r/vars/main.yml': '{}\n',
      'roles/r/vars/itworks.yml': 'from_vars: yes\n',
      'roles/r/files/findme.txt': 'x\n',
      'roles/r/vars/findme.txt': 'x\n',
      'roles/r/tasks/main.yml': `
- include_vars: "{{ item }}"
  with_first_found:
    - files:
        - "{{ no_such_fact }}-{{ nor_this }}.yml"
        - itworks.yml
- debug: var=item
  with_first_found:
    - "{{ missing_var }}findme.txt"
    - findme.txt
  register: found
- debug: var=item
  with_first_found:
    - 1
  register: bad
  ignore_errors: true
- assert:
    that:
      - from_vars
      - found.results[0].item.endswith('/r/files/findme.txt')
      - "bad.msg == \\"The lookup plugin 'first_found' failed: Invalid term supplied. A string, dict or list is required, not 'int').\\""
`,
      'pb.yml': `
- hosts: localhost
  gather_facts: false
  roles: [r]
`,
    });
    const r = await run(dir);
    expect(r.output).toContain('All assertions passed');
    expect(r.exitCode).toBe(0);
  });
});
