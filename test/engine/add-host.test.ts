/**
 * add_host as ansible-playbook 2.19 runs it: every expectation below is what ansible-playbook
 * printed for the same playbook on the same inventory (two local hosts).
 */
import { describe, expect, test } from 'vitest';
import { RunError } from '../../src/playbook/errors.js';
import { LOCAL_INVENTORY, cli, project, recapLine, run } from './helpers.js';

/** The `"msg": ...` values the debug tasks printed, in order. */
function messages(output: string): string[] {
  return [...output.matchAll(/^ {4}"msg": (.*)$/gm)].map((m) => m[1]!);
}

describe('add_host', () => {
  test('adds a host with its groups and variables: hostvars, groups and later plays see it; changed only when the inventory changed', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - add_host:
        name: "db1:2222"
        groups: [databases, "  backends  "]
        role: primary
        ansible_connection: local
      register: added
    - debug: var=added
      when: inventory_hostname == 'node1'
    - debug: msg="{{ hostvars['db1'].group_names }} {{ hostvars['db1'].role }} {{ hostvars['db1'].ansible_ssh_port }} {{ groups.databases }} {{ groups.all }} {{ groups.ungrouped }}"
    - add_host: {name: db1, groups: databases, role: primary}
    - add_host: {hostname: db1, role: replica, group: extra}
    - debug: msg="{{ hostvars.db1.role }} {{ hostvars.db1.group }} {{ groups.extra | default('none') }}"
- hosts: databases
  gather_facts: false
  tasks:
    - debug: msg="{{ inventory_hostname }} {{ role }} {{ group_names }}"
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    // host:port gives the name and an integer ansible_ssh_port; the groups are stripped.
    expect(r.output).toContain(`ok: [node1] => {
    "added": {
        "add_host": {
            "groups": [
                "databases",
                "backends"
            ],
            "host_name": "db1",
            "host_vars": {
                "ansible_connection": "local",
                "ansible_ssh_port": 2222,
                "role": "primary"
            }
        },
        "changed": true,
        "failed": false
    }
}`);
    // The task ran once, for node1: the other host neither ran it nor registered it.
    expect(r.output).toMatch(/TASK \[add_host\] \*+\nchanged: \[node1\]\n\nTASK/);
    expect(messages(r.output)).toEqual([
      `"['backends', 'databases'] primary 2222 ['db1'] ['db1', 'node1', 'node2'] ['node1', 'node2']"`,
      `"['backends', 'databases'] primary 2222 ['db1'] ['db1', 'node1', 'node2'] ['node1', 'node2']"`,
      // 'host' and 'group' are variables, not the name and groups.
      `"replica extra ['db1']"`,
      `"replica extra ['db1']"`,
      `"db1 replica ['backends', 'databases', 'extra']"`,
    ]);
    // The same host, groups and variables again: ok; another variable: changed.
    expect(r.output).toMatch(/TASK \[add_host\] \*+\nok: \[node1\]\n\nTASK \[add_host\] \*+\nchanged: \[node1\]\n/);
    expect(recapLine(r.output, 'db1')).toMatch(/ok=1 +changed=0 +unreachable=0 +failed=0/);
    expect(recapLine(r.output, 'node1')).toMatch(/ok=6 +changed=2 +unreachable=0 +failed=0 +skipped=0/);
    expect(recapLine(r.output, 'node2')).toMatch(/ok=2 +changed=0 +unreachable=0 +failed=0 +skipped=1 /);
  });

  test('variables are compared as Python compares them (1 == True == 1.0) and replaced whole', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - add_host: {name: h1, v: 1}
    - add_host: {name: h1, v: true}
    - add_host: {name: h1, v: 1.0}
    - add_host: {name: h1, d: {a: 1}}
    - add_host: {name: h1, d: {b: 2}}
    - add_host: {name: "h1:22"}
    - add_host: {name: "h1:22"}
    - add_host: {name: node2}
    - add_host: {name: node2, groups: ""}
    - debug: msg="{{ hostvars.h1.v }} {{ hostvars.h1.d }} {{ hostvars.h1.ansible_ssh_port }}"
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    const statuses = [...r.output.matchAll(/^(ok|changed): \[node1\]$/gm)].map((m) => m[1]);
    expect(statuses).toEqual(['changed', 'ok', 'ok', 'changed', 'changed', 'changed', 'ok', 'ok', 'ok']);
    expect(messages(r.output)).toEqual([`"1 {'b': 2} 22"`]);
  });

  test('in a loop each item is changed by its own inventory change; changed_when is judged after it; handlers by the status before it', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - add_host: name=h_{{ item }}
      loop: [1, 2, 2]
      register: loop_res
      notify: seen
    - add_host: name=h_{{ item }}
      loop: [3, 4]
      changed_when: item == 4
    - add_host: name=h_5
      notify: not_seen
      register: single
    - add_host: name=h_5
      changed_when: single is changed
      register: again
    - debug: msg="{{ loop_res.results | map(attribute='changed') | list }} {{ loop_res.changed }} {{ single.changed }} {{ again.changed }}"
  handlers:
    - {name: seen, debug: msg=seen}
    - {name: not_seen, debug: msg=not_seen}
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('changed: [node1] => (item=1)\nchanged: [node1] => (item=2)\nok: [node1] => (item=2)\n');
    expect(r.output).toContain('ok: [node1] => (item=3)\nchanged: [node1] => (item=4)\n');
    expect(messages(r.output)).toEqual([`"[True, True, False] True True True"`, '"seen"']);
    // A new host makes the task changed, but its handler is not notified (Ansible decides before the change).
    expect(r.output).not.toContain('not_seen');
    expect(recapLine(r.output, 'node1')).toMatch(/ok=6 +changed=4 +unreachable=0 +failed=0/);
  });

  test("bad input fails the task with Ansible's messages; a loop with a failed item adds no host", async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - add_host: namenewdynamichost groupsnewdynamicgroup
      ignore_errors: true
    - add_host: "{{ none }}"
      ignore_errors: true
    - add_host: {groups: g}
      ignore_errors: true
    - add_host: {name: x, groups: 5}
      ignore_errors: true
    - add_host: {name: "l_{{ item }}", groups: "{{ item }}"}
      loop: [g, 5]
      ignore_errors: true
    - debug: msg="{{ groups.keys() | list }} {{ groups.all }}"
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    const fatal = [...r.output.matchAll(/^(?:fatal|failed): .*$/gm)].map((m) => m[0]);
    expect(fatal).toEqual([
      `fatal: [node1]: FAILED! => {"changed": false, "msg": "Invalid raw parameters passed, requires a dictionary/mapping got a  <class 'ansible.module_utils._internal._datatag._AnsibleTaggedStr'>"}`,
      `fatal: [node1]: FAILED! => {"changed": false, "msg": "Invalid raw parameters passed, requires a dictionary/mapping got a  <class 'NoneType'>"}`,
      `fatal: [node1]: FAILED! => {"changed": false, "msg": "name, host or hostname needs to be provided"}`,
      `fatal: [node1]: FAILED! => {"changed": false, "msg": "Groups must be specified as a list."}`,
      `failed: [node1] (item=5) => {"ansible_loop_var": "item", "changed": false, "item": 5, "msg": "Groups must be specified as a list."}`,
    ]);
    // The item that did not fail is neither shown nor added: the task failed.
    expect(r.output).not.toContain('(item=g)');
    expect(messages(r.output)).toEqual([`"['all', 'ungrouped'] ['node1', 'node2']"`]);
    expect(recapLine(r.output, 'node1')).toMatch(/ok=6 +changed=0 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=5/);
  });

  test('runs for the first host only; when it fails, every host stops and no later play runs', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - add_host: name=from_{{ inventory_hostname }}
      register: r
    - debug: msg="{{ r.changed | default('undefined') }} {{ groups.all }}"
    - add_host: {name: y, groups: [[1]]}
    - debug: msg=after
- hosts: all
  gather_facts: false
  tasks:
    - debug: msg=never
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(2);
    expect(messages(r.output)).toEqual([`"True ['from_node1', 'node1', 'node2']"`, `"undefined ['from_node1', 'node1', 'node2']"`]);
    expect(r.output).toContain(`fatal: [node1]: FAILED! => {"changed": false, "msg": "Task failed: '_AnsibleTaggedList' object has no attribute 'strip'"}`);
    expect(r.output).not.toContain('never');
    expect(recapLine(r.output, 'node1')).toMatch(/ok=2 +changed=1 +unreachable=0 +failed=1 /);
    expect(recapLine(r.output, 'node2')).toMatch(/ok=1 +changed=0 +unreachable=0 +failed=0 /);
    expect(recapLine(r.output, 'from_node1')).toBeUndefined();
  });

  test("warns as Ansible's inventory does: a name that is both a host and a group, a group name that is not a variable name", async () => {
    const dir = project({
      'inventory.ini': '[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\nw3 ansible_connection=local\n',
      'pb.yml': `
- hosts: web
  gather_facts: false
  tasks:
    - add_host: {name: web}
    - group_by: {key: w2}
    - add_host: {name: web, groups: w1}
    - add_host: {name: zz, groups: "a-b"}
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect(r.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))).toEqual([
      'Found both group and host with same name: web',
      'Found both group and host with same name: w2',
      'Found both group and host with same name: w1',
      'Invalid characters were found in group names but not replaced, use -vvvv to see details',
    ]);
    expect(recapLine(r.output, 'w1')).toMatch(/ok=4 +changed=4 /);
  });

  test('hosts it adds are matched against --limit play by play', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - add_host: {name: n1, groups: new}
    - add_host: {name: n2, groups: new}
- hosts: new
  gather_facts: false
  tasks:
    - debug: msg="{{ inventory_hostname }}"
`,
    });
    const r = await run(dir, 'pb.yml', { limit: 'node1,n2' });
    expect(r.exitCode).toBe(0);
    expect(messages(r.output)).toEqual(['"n2"']);
    expect(recapLine(r.output, 'node1')).toMatch(/ok=2 +changed=2 /);
    expect(recapLine(r.output, 'n1')).toBeUndefined();
  });

  test('the free strategy refuses it, and a name that is not a string ends the run: exit code 1, no recap', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'free.yml': `
- hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - add_host: name=z
`,
      'number.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - add_host: {name: 5}
`,
    });
    await expect(run(dir, 'free.yml')).rejects.toBeInstanceOf(RunError);
    const free = await cli(['run', '-i', 'inventory.ini', 'free.yml'], dir);
    expect(free.code).toBe(1);
    expect(free.stderr).toBe(
      `[ERROR]: The 'add_host' module bypasses the host loop, which is currently not supported in the free strategy and would instead execute for every host in the inventory list.\nOrigin: ${dir}/free.yml:6:7\n\n4   strategy: free\n5   tasks:\n6     - add_host: name=z\n        ^ column 7\n\n`,
    );
    expect(free.stdout).not.toContain('PLAY RECAP');
    const number = await cli(['run', '-i', 'inventory.ini', 'number.yml'], dir);
    expect(number.code).toBe(1);
    expect(number.stderr).toBe(`[ERROR]: Invalid host name supplied, expected a string but got <class 'ansible.module_utils._internal._datatag._AnsibleTaggedInt'> for 5\n`);
    expect(number.stdout).toContain('TASK [add_host]');
    expect(number.stdout).not.toContain('PLAY RECAP');
  });
});
