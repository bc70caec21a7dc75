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
