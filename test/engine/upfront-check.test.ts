/**
 * The up-front check refuses only what Ansible cannot parse. What Ansible fails on only when the task
 * runs (a module's bad arguments, an unknown filter or test) is a warning with file:line:column, and the
 * task fails where and as Ansible's does; `playbook validate` and `run --strict` refuse it. Lookups run
 * only when their task runs. The expected lines are ansible-playbook 2.19's on the same playbooks
 * (`-i localhost, -c local`), checked by hand; where ours differs, the comment says how.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli, project } from './helpers.js';

const INVENTORY = 'localhost ansible_connection=local\n';
const RECAP = (counts: string): RegExp => new RegExp(`^localhost +: ${counts.split(' ').join(' +')} *$`, 'm');

const SKIPPED_PARAMETER = `- hosts: localhost
  gather_facts: false
  tasks:
    - name: never runs
      debug:
        msgg: hi
      when: false
    - name: runs
      debug:
        msgg: hi
    - debug: msg=after
`;

const SKIPPED_FILTER = `- hosts: localhost
  gather_facts: false
  tasks:
    - name: never runs
      debug:
        msg: "{{ [1] | lenght }}"
      when: false
    - name: runs
      debug:
        msg: "{{ [1] | lenght }}"
    - debug: msg=after
`;

const RESCUED_PARAMETER = `- hosts: localhost
  gather_facts: false
  tasks:
    - block:
        - name: bad
          debug:
            msgg: hi
      rescue:
        - debug: msg="rescued {{ ansible_failed_result.msg }}"
`;

const UNSUPPORTED = 'Unsupported parameters for (debug) module: msgg. Supported parameters include: msg, var, verbosity.';

describe('a bad module parameter', () => {
  test('in a skipped task: a warning, the task is skipped; where it runs it fails as in Ansible', async () => {
    const dir = project({ 'inventory.ini': INVENTORY, 'pb.yml': SKIPPED_PARAMETER });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code).toBe(2);
    // Ours only: each finding up front, with the position and the suggestion.
    expect(r.stderr).toContain(`[WARNING]: ${path.join(dir, 'pb.yml')}:4:7: ${UNSUPPORTED} Did you mean 'msg'? (in task 'never runs')`);
    expect(r.stderr).toContain(`[WARNING]: ${path.join(dir, 'pb.yml')}:8:7: ${UNSUPPORTED} Did you mean 'msg'? (in task 'runs')`);
    expect(r.stdout).toMatch(/TASK \[never runs\] \*+\nskipping: \[localhost\]\n/);
    expect(r.stdout).toContain(`[ERROR]: Task failed: ${UNSUPPORTED}\nOrigin: ${path.join(dir, 'pb.yml')}:8:7\n`);
    expect(r.stdout).toContain(`fatal: [localhost]: FAILED! => {"msg": "${UNSUPPORTED}"}`);
    expect(r.stdout).not.toContain('after');
    expect(r.stdout).toMatch(RECAP('ok=0 changed=0 unreachable=0 failed=1 skipped=1 rescued=0 ignored=0'));
  }, 30_000);

  test('in a rescued block: no warning (the playbook expects the failure), rescued with Ansible\'s message', async () => {
    const dir = project({ 'inventory.ini': INVENTORY, 'pb.yml': RESCUED_PARAMETER });
    const r = await cli(['run', '--strict', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('[WARNING]');
    expect(r.stdout).toContain(`fatal: [localhost]: FAILED! => {"msg": "${UNSUPPORTED}"}`);
    expect(r.stdout).toContain(`ok: [localhost] => {\n    "msg": "rescued ${UNSUPPORTED}"\n}`);
    expect(r.stdout).toMatch(RECAP('ok=1 changed=0 unreachable=0 failed=0 skipped=0 rescued=1 ignored=0'));
    expect((await cli(['validate', 'pb.yml'], dir)).code).toBe(0);
  }, 30_000);

  test('validate and run --strict refuse it, before anything runs', async () => {
    const dir = project({ 'inventory.ini': INVENTORY, 'pb.yml': SKIPPED_PARAMETER.replace('    - name: never runs', '    - command: touch {{ playbook_dir }}/touched\n    - name: never runs') });
    for (const args of [['run', '--strict', '-i', 'inventory.ini', 'pb.yml'], ['validate', 'pb.yml']]) {
      const r = await cli(args, dir);
      expect(r.code).toBe(4);
      expect(r.stderr.trim().split('\n')).toEqual([
        `ERROR! ${path.join(dir, 'pb.yml')}:5:7: ${UNSUPPORTED} Did you mean 'msg'? (in task 'never runs')`,
        `ERROR! ${path.join(dir, 'pb.yml')}:9:7: ${UNSUPPORTED} Did you mean 'msg'? (in task 'runs')`,
      ]);
    }
    expect(existsSync(path.join(dir, 'touched'))).toBe(false);
  }, 30_000);
});

describe('an unknown filter', () => {
  test('in a skipped task: a warning, the task is skipped; where it runs it fails as in Ansible', async () => {
    const dir = project({ 'inventory.ini': INVENTORY, 'pb.yml': SKIPPED_FILTER });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code).toBe(2);
    const file = path.join(dir, 'pb.yml');
    expect(r.stderr).toContain(`[WARNING]: ${file}:6:24: No filter named 'lenght'. Did you mean 'length'?`);
    expect(r.stderr).toContain(`[WARNING]: ${file}:10:24: No filter named 'lenght'. Did you mean 'length'?`);
    expect(r.stdout).toMatch(/TASK \[never runs\] \*+\nskipping: \[localhost\]\n/);
    // As Ansible; the error above the result shows where the filter is named.
    expect(r.stdout).toContain(`fatal: [localhost]: FAILED! => {"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: No filter named 'lenght'."}`);
    expect(r.stdout).toContain(`<<< caused by >>>\n\nSyntax error in template: No filter named 'lenght'.\nOrigin: ${file}:10:24\n`);
    expect(r.stdout).toMatch(RECAP('ok=0 changed=0 unreachable=0 failed=1 skipped=1 rescued=0 ignored=0'));
  }, 30_000);

  test('validate and run --strict refuse it; a template syntax error too, which a plain run fails where it runs, as ansible-core 2.19', async () => {
    const dir = project({ 'inventory.ini': INVENTORY, 'pb.yml': SKIPPED_FILTER, 'syntax.yml': SKIPPED_FILTER.replaceAll('[1] | lenght', '[1] |') });
    const file = path.join(dir, 'pb.yml');
    for (const args of [['run', '--strict', '-i', 'inventory.ini', 'pb.yml'], ['validate', 'pb.yml']]) {
      const r = await cli(args, dir);
      expect(r.code).toBe(4);
      expect(r.stderr.trim().split('\n')).toEqual([`ERROR! ${file}:6:24: No filter named 'lenght'. Did you mean 'length'?`, `ERROR! ${file}:10:24: No filter named 'lenght'. Did you mean 'length'?`]);
    }
    const syntaxFile = path.join(dir, 'syntax.yml');
    const strict = await cli(['run', '--strict', '-i', 'inventory.ini', 'syntax.yml'], dir);
    expect(strict.code).toBe(4);
    expect(strict.stderr).toMatch(new RegExp(`^ERROR! ${syntaxFile}:6:\\d+: expected token 'name', got 'end of print statement'`, 'm'));
    expect(strict.stdout).not.toContain('TASK');
    // As Ansible's message.
    const syntax = await cli(['run', '-i', 'inventory.ini', 'syntax.yml'], dir);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(new RegExp(`^\\[WARNING\\]: ${syntaxFile}:6:\\d+: expected token 'name'`, 'm'));
    expect(syntax.stdout).toMatch(/TASK \[never runs\] \*+\nskipping: \[localhost\]\n/);
    expect(syntax.stdout).toContain(`fatal: [localhost]: FAILED! => {"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': Syntax error in template: expected token 'name', got 'end of print statement'"}`);
  }, 30_000);
});

describe('lookups run only when their task runs', () => {
  test('first_found on a file an earlier task creates: in arguments, with_first_found, play vars, include_tasks', async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  vars:
    found: "{{ lookup('first_found', ['made.txt']) }}"
  tasks:
    - debug:
        msg: "{{ lookup('first_found', ['not-there.txt']) }}"
      when: false
    - copy: {content: "- debug: msg=included\\n", dest: "{{ playbook_dir }}/made.txt"}
    - debug:
        msg: "{{ lookup('first_found', ['made.txt']) }}"
    - debug: msg="{{ item }}"
      with_first_found:
        - made.txt
    - debug: var=found
    - include_tasks: "{{ lookup('first_found', ['made.txt']) }}"
`,
    });
    const r = await cli(['run', '--strict', '-i', 'inventory.ini', 'pb.yml'], dir);
    const made = path.join(dir, 'made.txt');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ok: [localhost] => {\n    "msg": "${made}"\n}`);
    expect(r.stdout).toContain(`ok: [localhost] => (item=${made}) => {\n    "msg": "${made}"\n}`);
    expect(r.stdout).toContain(`ok: [localhost] => {\n    "found": "${made}"\n}`);
    expect(r.stdout).toContain(`included: ${made} for localhost`);
    expect(r.stdout).toContain(`ok: [localhost] => {\n    "msg": "included"\n}`);
    expect(r.stdout).toMatch(RECAP('ok=6 changed=1 unreachable=0 failed=0 skipped=1 rescued=0 ignored=0'));
  }, 30_000);
});
