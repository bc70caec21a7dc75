/** The engine through its library API: what users of runPlaybook see. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { defineModule, playbookEvents, runPlaybook } from '../../src/index.js';
import type { RunEvent } from '../../src/output/events.js';
import { LOCAL_INVENTORY, project, recapLine, run } from './helpers.js';

describe('runPlaybook', () => {
  test('blocks, rescue, always, handlers, loops, register and set_fact', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: echo one
          register: one
        - command: /bin/false
      rescue:
        - set_fact:
            note: "rescued {{ ansible_failed_task.action }} after {{ one.stdout }}"
      always:
        - command: echo always
          notify: done
    - debug: msg="{{ item }}"
      loop: [a, b]
    - copy:
        content: "{{ note }}\\n"
        dest: "{{ playbook_dir }}/{{ inventory_hostname }}.txt"
      delegate_to: localhost
  handlers:
    - name: done
      command: echo handler
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    for (const host of ['node1', 'node2']) {
      expect(readFileSync(path.join(dir, `${host}.txt`), 'utf8')).toBe('rescued command after one\n');
      // The same counts as ansible-playbook 2.19 gives for this playbook.
      expect(recapLine(r.output, host)).toMatch(/ok=6 +changed=4 +unreachable=0 +failed=0 +skipped=0 +rescued=1 +ignored=0/);
    }
    expect(r.output).toContain('RUNNING HANDLER [done]');
    expect(r.output).toContain('ok: [node1] => (item=a)');
  });

  test('a loop whose items are all skipped, or that has none, ends with the host skipped, as ansible-playbook 2.19 prints it', async () => {
    const dir = project({
      'inventory.ini': 'node1 ansible_connection=local\n',
      'pb.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: every item skipped
      debug: msg="{{ item }}"
      loop: [a, b]
      when: item == 'z'
    - name: no items
      debug: msg="{{ item }}"
      loop: []
    - name: some items skipped
      debug: msg="{{ item }}"
      loop: [a, b]
      when: item == 'a'
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    // Ansible's default callback, line for line (an item's skipping line ends in a space).
    expect(r.output).toMatch(/TASK \[every item skipped\] \*+\nskipping: \[node1\] => \(item=a\) \nskipping: \[node1\] => \(item=b\) \nskipping: \[node1\]\n\n/);
    expect(r.output).toMatch(/TASK \[no items\] \*+\nskipping: \[node1\]\n\n/);
    expect(r.output).toMatch(/TASK \[some items skipped\] \*+\nok: \[node1\] => \(item=a\) => \{\n {4}"msg": "a"\n\}\nskipping: \[node1\] => \(item=b\) \n\n/);
    expect(recapLine(r.output, 'node1')).toMatch(/ok=1 +changed=0 +unreachable=0 +failed=0 +skipped=2 +rescued=0 +ignored=0/);
  });

  test('a delegated result names the delegate with its ansible_host when that differs, as ansible-playbook 2.19; a skipped item names none', async () => {
    const dir = project({
      'inventory.ini': 'node1 ansible_connection=local\nnode2 ansible_connection=local ansible_host=127.0.0.1\nnode3 ansible_connection=local ansible_host=node3\n',
      'pb.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - name: to node2
      command: "true"
      delegate_to: node2
      changed_when: false
    - name: to node3
      command: "true"
      delegate_to: node3
      changed_when: false
    - name: items to node2
      command: "echo {{ item }}"
      delegate_to: node2
      loop: [a, b]
      when: item == 'a'
      changed_when: false
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/TASK \[to node2\] \*+\nok: \[node1 -> node2\(127\.0\.0\.1\)\]\n/);
    expect(r.output).toMatch(/TASK \[to node3\] \*+\nok: \[node1 -> node3\]\n/);
    expect(r.output).toMatch(/TASK \[items to node2\] \*+\nok: \[node1 -> node2\(127\.0\.0\.1\)\] => \(item=a\)\nskipping: \[node1\] => \(item=b\) \n\n/);
  });

  test("a retry names the task as ansible-playbook 2.19 does: the templated name without the role, an unnamed one as role : action, the delegate", async () => {
    const retried = (extra: string): string => `  command: "true"\n  register: r\n  until: r.rc == 1\n  retries: 1\n  delay: 0\n  ignore_errors: true\n${extra}`;
    const dir = project({
      'inventory.ini': 'node1 ansible_connection=local\nnode2 ansible_connection=local ansible_host=127.0.0.1\n',
      'roles/r/tasks/main.yml': `- name: named {{ x }}\n${retried('')}- ${retried('  delegate_to: node2\n').trimStart()}`,
      'pb.yml': `- hosts: node1\n  gather_facts: false\n  vars: { x: X }\n  roles: [r]\n`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('FAILED - RETRYING: [node1]: named X (1 retries left).\n');
    expect(r.output).toContain('FAILED - RETRYING: [node1 -> node2]: r : command (1 retries left).\n');
  });

  test('a handler that includes tasks runs them, as handlers, after it', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'cleanup.yml': '- name: remove the marker\n  file:\n    path: "{{ playbook_dir }}/{{ inventory_hostname }}.marker"\n    state: absent\n',
      'pb.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - copy:
        content: here
        dest: "{{ playbook_dir }}/{{ inventory_hostname }}.marker"
      notify: clean up
  handlers:
    - name: clean up
      include_tasks: cleanup.yml
      when: inventory_hostname == 'node1'
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect(existsSync(path.join(dir, 'node1.marker'))).toBe(false);
    expect(existsSync(path.join(dir, 'node2.marker'))).toBe(true);
    expect(r.output).toContain(`RUNNING HANDLER [clean up]`);
    expect(r.output).toContain(`included: ${path.join(dir, 'cleanup.yml')} for node1`);
    expect(r.output).toMatch(/RUNNING HANDLER \[remove the marker\] \*+\nchanged: \[node1\]\n/);
    // The same counts as ansible-playbook 2.19 gives for this playbook.
    expect(recapLine(r.output, 'node1')).toMatch(/ok=3 +changed=2 +unreachable=0 +failed=0 +skipped=0/);
    expect(recapLine(r.output, 'node2')).toMatch(/ok=1 +changed=1 +unreachable=0 +failed=0 +skipped=1/);
  });

  test('an ansible-core module the engine lacks loads as in Ansible: skipped, the play runs; run, the task fails', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - ansible.builtin.dnf: name=acl
      when: false
    - dnf:
        name: acl
      register: tried
      ignore_errors: true
    - assert:
        that: tried is failed
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain("couldn't resolve module/action 'dnf': ansible-core has this module, but playbook does not carry it");
    // The same counts as ansible-playbook 2.19 gives (its message differs: it has no dnf backend on this host).
    expect(recapLine(r.output, 'node1')).toMatch(/ok=2 +changed=0 +unreachable=0 +failed=0 +skipped=1 +rescued=0 +ignored=1/);
  });

  test('copy finds a src file that an earlier task made on the controller, as Ansible looks for it when the task runs', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - copy:
        content: made
        dest: "{{ playbook_dir }}/made-here.txt"
      delegate_to: localhost
    - copy:
        src: made-here.txt
        dest: "{{ playbook_dir }}/copied.txt"
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'copied.txt'), 'utf8')).toBe('made');
  });

  test('ansible_facts is an empty dict before any fact is gathered', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - assert:
        that:
          - ansible_facts == {}
          - ansible_facts is mapping
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
  });

  test('events as a callback and as an async iterator, in the same order', async () => {
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': '- hosts: node1\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n' });
    const seen: RunEvent[] = [];
    const iterated: RunEvent[] = [];
    const gen = playbookEvents({ playbooks: ['pb.yml'], inventory: [path.join(dir, 'inventory.ini')], cwd: dir, onEvent: (e) => seen.push(e) });
    let next = await gen.next();
    while (!next.done) {
      iterated.push(next.value);
      next = await gen.next();
    }
    expect(next.value.exitCode).toBe(0);
    expect(iterated.map((e) => e.type)).toEqual(['playbook_start', 'play_start', 'task_start', 'host_result', 'host_done', 'recap']);
    expect(seen).toEqual(iterated);
    const result = iterated.find((e) => e.type === 'host_result');
    expect(result).toMatchObject({ host: 'node1', status: 'ok', result: { msg: 'hi' } });
  });

  test('a user module defined with defineModule runs like a built-in one', async () => {
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - gpu_check: {min_gpus: 2}\n      register: g\n    - debug: var=g.msg\n' });
    const gpuCheck = defineModule({
      name: 'gpu_check',
      supportsCheckMode: true,
      spec: { options: { min_gpus: { type: 'int', required: true } } },
      async run(args, ctx) {
        const r = await ctx.conn.exec(['echo', String(args['min_gpus'])]);
        return { changed: false, msg: `${ctx.host} wants ${r.stdout.trim()}` };
      },
    });
    const result = await runPlaybook({ playbooks: ['pb.yml'], inventory: [path.join(dir, 'inventory.ini')], cwd: dir, modules: [gpuCheck] });
    expect(result.exitCode).toBe(0);
    expect(result.stats['node2']).toEqual({ ok: 2, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  });

  test('the library never prints unless given a reporter', async () => {
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=quiet\n' });
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await runPlaybook({ playbooks: ['pb.yml'], inventory: [path.join(dir, 'inventory.ini')], cwd: dir });
    } finally {
      process.stdout.write = original;
    }
    expect(writes.join('')).not.toContain('quiet');
  });
  test('the role magic variables and ansible_play_name, as ansible-playbook 2.19 gives them', async () => {
    const show = "- debug: msg=\"play={{ ansible_play_role_names | join(',') }} dep={{ ansible_dependent_role_names | join(',') }} all={{ ansible_role_names | sort | join(',') }} names={{ role_names | join(',') }} name={{ ansible_play_name }}\"\n";
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      ...Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((r) => [`roles/${r}/tasks/main.yml`, `- meta: noop\n`])),
      'roles/a/meta/main.yml': 'dependencies: [c]\n',
      'pb.yml': `
- hosts: node1
  gather_facts: false
  pre_tasks:
    ${show}  roles: [a, b]
  tasks:
    - import_role: name=d
    - include_role: name=e
    ${show}
- hosts: [node1, node2]
  gather_facts: false
  tasks:
    ${show}      run_once: true
- hosts: node1
  name: named
  gather_facts: false
  roles: [b, b, { role: b, x: 1 }]
  tasks:
    ${show}`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    // a list of hosts is a pattern each, the play named by them joined
    expect(r.output).toContain('PLAY [node1,node2] *');
    const msgs = [...r.output.matchAll(/"msg": "(.*)"/g)].map((m) => m[1]);
    expect(msgs).toEqual([
      // roles: and import_role (known when the play loads), not the dependency c
      'play=a,b,d dep=c all=a,b,c,d names=a,b,d name=node1',
      // include_role adds its role when it runs
      'play=a,b,d,e dep=c all=a,b,c,d,e names=a,b,d,e name=node1',
      'play= dep= all= names= name=node1,node2',
      'play=b,b,b dep= all=b names=b,b,b name=named',
    ]);
  });
  test('ansible_parent_role_names/_paths: only under include_role or import_role from a role, nearest first, as ansible-playbook 2.19', async () => {
    const show = '- debug: msg="{{ role_name }} names={{ ansible_parent_role_names | default(\'UNDEF\') }} paths={{ ansible_parent_role_paths | map(\'basename\') | list if ansible_parent_role_paths is defined else \'UNDEF\' }}"\n';
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'roles/a/tasks/main.yml': `${show}- include_role: name=b\n- import_role: name=c\n`,
      'roles/a/meta/main.yml': 'dependencies: [d]\n',
      'roles/b/tasks/main.yml': `${show}- include_role: name=c\n`,
      'roles/b/meta/main.yml': 'dependencies: [e]\n',
      ...Object.fromEntries(['c', 'd', 'e'].map((r) => [`roles/${r}/tasks/main.yml`, show])),
      'pb.yml': `- hosts: node1
  gather_facts: false
  roles: [a]
  tasks:
    - include_role: name=c
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect([...r.output.matchAll(/"msg": "(.*)"/g)].map((m) => m[1])).toEqual([
      'd names=UNDEF paths=UNDEF',
      'a names=UNDEF paths=UNDEF',
      // a dependency of an included role sees what the include gave
      "e names=['a'] paths=['a']",
      "b names=['a'] paths=['a']",
      "c names=['b', 'a'] paths=['b', 'a']",
      "c names=['a'] paths=['a']",
      'c names=UNDEF paths=UNDEF',
    ]);
  });

  test('delay is a float, as ansible-playbook 2.19 reads it (a number or a numeric string; otherwise the task fails)', async () => {
    const retried = (delay: string): string => `    - command: "true"\n      register: r\n      until: r.rc == 1\n      retries: 2\n      delay: ${delay}\n      ignore_errors: true\n`;
    const dir = project({
      'inventory.ini': 'node1 ansible_connection=local\n',
      'pb.yml': `- hosts: node1\n  gather_facts: false\n  tasks:\n${retried('0.3')}${retried('"0.1"')}${retried('abc')}`,
    });
    const started = Date.now();
    const r = await run(dir);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 300 + 2 * 100);
    expect(r.exitCode).toBe(0);
    expect(r.output.match(/FAILED - RETRYING/g)).toHaveLength(4);
    expect(r.output).toContain(`fatal: [node1]: FAILED! => {"changed": false, "msg": "Task failed: Error processing keyword 'delay': The value 'abc' could not be converted to 'float'."}`);
    expect(recapLine(r.output, 'node1')).toMatch(/ignored=3/);
  });
  test('group_by puts the host in a group (spaces made dashes) for the rest of the run, as ansible-playbook 2.19', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'group_vars/os_node1.yml': 'from_group: os_node1 vars\n',
      'pb.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - group_by: key="os_{{ inventory_hostname }}"
      register: g
    - debug: msg="{{ g | to_json }}"
      when: inventory_hostname == 'node1'
    - group_by:
        key: "web servers"
        parents: [front end, all]
    - group_by: key=x
      loop: [1, 2]
      when: inventory_hostname == 'node1'
    - debug: msg="{{ group_names }} {{ groups.keys() | sort }} {{ groups['front-end'] | sort }} {{ groups.os_node2 }} {{ groups.x }} {{ from_group | default('-') }}"
      when: inventory_hostname == 'node1'
    - group_by:
        parents: x
      ignore_errors: true
      run_once: true
- hosts: web-servers:&node2
  gather_facts: false
  tasks:
    - debug: msg="{{ group_names }}"
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    const msgs = [...r.output.matchAll(/"msg": (.*)/g)].map((m) => m[1]);
    expect(msgs[0]).toBe(String.raw`"{\"changed\": true, \"add_group\": \"os_node1\", \"parent_groups\": [\"all\"], \"failed\": false}"`);
    expect(msgs[1]).toBe(
      // (groups' host lists are in the order results came back: sorted here)
      `"['front-end', 'os_node1', 'web-servers', 'x'] ['all', 'front-end', 'os_node1', 'os_node2', 'ungrouped', 'web-servers', 'x'] ['node1', 'node2'] ['node2'] ['node1'] os_node1 vars"`,
    );
    expect(r.output).toContain('changed: [node1] => (item=1)\nok: [node1] => (item=2)\n');
    expect(r.output).toContain(`fatal: [node1]: FAILED! => {"changed": false, "msg": "the 'key' param is required when using group_by"}`);
    expect(r.output).toMatch(/TASK \[debug\] \*+\nok: \[node2\] => \{\n {4}"msg": \[\n {8}"front-end",\n {8}"os_node2",\n {8}"web-servers"\n {4}\]/);
    expect(recapLine(r.output, 'node1')).toMatch(/ok=6 +changed=3 .*ignored=1/);
    expect(recapLine(r.output, 'node2')).toMatch(/ok=3 +changed=2 +unreachable=0 +failed=0 +skipped=3/);
  });
  test('gather_facts as a task runs setup with its arguments, as ansible-playbook 2.19', async () => {
    const dir = project({
      'inventory.ini': 'node1 ansible_connection=local\n',
      'pb.yml': `
- hosts: node1
  gather_facts: false
  tasks:
    - debug: msg="{{ ansible_facts.keys() | list }} {{ ansible_hostname is defined }}"
    - gather_facts:
        gather_subset: min
        filter: [ansible_hostname, ansible_system]
      register: g
    - debug: msg="{{ g.keys() | list | sort }} {{ g.ansible_facts.keys() | list | sort }} {{ g.ansible_facts.ansible_system }}"
    - debug: msg="{{ ansible_facts.keys() | list | sort }} {{ ansible_hostname == ansible_facts.hostname }} {{ _ansible_facts_gathered is defined }}"
    - ansible.builtin.gather_facts:
        parallel: true
      register: g2
    - debug: msg="{{ g2.ansible_facts | length > 20 }} {{ g2.ansible_facts.gather_subset }} {{ g2.keys() | list | sort }}"
    - gather_facts:
        bogus: 1
      ignore_errors: true
`,
    });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect([...r.output.matchAll(/^ {4}"msg": (.*)$/gm)].map((m) => m[1])).toEqual([
      '"[] False"',
      `"['ansible_facts', 'changed', 'failed'] ['ansible_hostname', 'ansible_system'] Linux"`,
      `"['_ansible_facts_gathered', 'hostname', 'system'] True False"`,
      `"True ['all'] ['ansible_facts', 'changed', 'failed']"`,
    ]);
    expect(r.output).toContain(
      'fatal: [node1]: FAILED! => {"ansible_facts": {}, "changed": false, "failed_modules": {"ansible.legacy.setup": {"exception": "(traceback unavailable)", "failed": true, "invocation": {"module_args": {"bogus": 1, "fact_path": "/etc/ansible/facts.d", "filter": [], "gather_subset": ["all"], "gather_timeout": 10}}, "msg": "Unsupported parameters for (ansible.legacy.setup) module: bogus. Supported parameters include: fact_path, filter, gather_subset, gather_timeout."}}, "msg": "The following modules failed to execute: ansible.legacy.setup."}',
    );
    expect(recapLine(r.output, 'node1')).toMatch(/ok=7 +changed=0 .*ignored=1/);
  });

  test("the play's fact gathering marks ansible_facts._ansible_facts_gathered (not a variable of its own), as ansible-playbook 2.19", async () => {
    const dir = project({
      'inventory.ini': 'node1 ansible_connection=local\n',
      'pb.yml': `- hosts: node1\n  gather_subset: min\n  tasks:\n    - debug: msg="{{ _ansible_facts_gathered is defined }} {{ ansible_facts.keys() | select('match', '_') | list }}"\n`,
    });
    const r = await run(dir);
    expect(r.output).toContain(`"msg": "False ['_ansible_facts_gathered']"`);
  });
});
