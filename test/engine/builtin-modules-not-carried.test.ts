/**
 * A task may name one of ansible.builtin's modules that playbook does not carry (ansible-core's
 * own targets do: dnf blocks guarded by `when` on a Debian host, apt_key in skipped tasks): the
 * playbook loads as in Ansible, a task that is skipped costs nothing, and one that runs fails
 * naming the module. A name nobody ships is still refused at load (test/engine/bad-input.test.ts).
 * That is without ansible-core on the controller (as here: the test's PATH has none); with it, such
 * a module runs from ansible-core's own file (test/modules/python-module.test.ts, known_hosts).
 */
import { describe, expect, test } from 'vitest';
import { LOCAL_INVENTORY, project, recapLine, run } from './helpers.js';

const INVENTORY = 'node1 ansible_connection=local\n';

describe("ansible.builtin modules playbook does not carry", () => {
  test('load, are skipped by when, and fail naming the module when they run', async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - name: only on Fedora
      dnf: { name: at, state: present }
      when: false
    - ansible.builtin.apt_key: { id: E1DF1F24, state: absent }
      when: false
    - name: runs
      dnf5: name=apt state=absent
      ignore_errors: true
      register: ran
    - assert:
        that:
          - ran is failed
          # Quoted as a whole: unquoted, its ': ' would make the item a mapping (not a condition).
          - >-
            ran.msg == "couldn't resolve module/action 'dnf5': ansible-core has this module, but playbook does not carry it"
`,
    });
    const result = await run(dir);
    expect(recapLine(result.output, 'node1'), result.output).toMatch(/ok=2 .*failed=0 .*skipped=2 .*ignored=1/);
  });

  test("package with a manager no module answers to fails in Ansible's words", async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY.split('\n')[0] + '\n',
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - package: { name: doesnotmatter }
      vars: { ansible_package_use: lola }
      ignore_errors: true
      register: use_to_use
    - assert:
        that:
          - use_to_use is failed
          - use_to_use.msg == 'Could not find a matching action for the "lola" package manager.'
`,
    });
    const result = await run(dir);
    expect(recapLine(result.output, 'node1'), result.output).toMatch(/ok=2 .*failed=0 .*ignored=1/);
  });
});
