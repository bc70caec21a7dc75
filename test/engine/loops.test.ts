/** Loops as ansible-playbook 2.19 runs them (expectations checked against it): includes, loop_control, per-item register. */
import { expect, test } from 'vitest';
import { LOCAL_INVENTORY, project, recapLine, run } from './helpers.js';

/** The "msg" values the debug tasks printed, in order. */
function messages(output: string): string[] {
  return [...output.matchAll(/^ {4}"msg": "(.*)"$/gm)].map((m) => m[1]!);
}

test('include_tasks loops with with_<lookup> as a task does: loop var, index var, ansible_loop; a bad loop fails the include, ignorably', async () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'inc.yml': '- debug: msg="{{ item }} {{ my_idx }} {{ ansible_loop_var }} {{ ansible_loop.index }} {{ ansible_index_var }}"\n',
    'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - include_tasks: inc.yml
      with_sequence: start=0 count=2
      loop_control: { index_var: my_idx, extended: true }
    - include_tasks: inc.yml
      loop: "{{ 'x' }}"
      ignore_errors: true
    - include_tasks: inc.yml
      loop: "{{ nope }}"
      when: false
    - debug: msg="{{ item }}"
      loop: "{{ 'x' }}"
      ignore_errors: true
`,
  });
  const ran = await run(dir);
  expect(ran.exitCode).toBe(0);
  expect(ran.output).toContain('included: ' + dir + '/inc.yml for node1 => (item=0)');
  expect(ran.output).toContain('included: ' + dir + '/inc.yml for node1 => (item=1)');
  expect(messages(ran.output)).toEqual(['0 0 item 1 my_idx', '1 1 item 2 my_idx']);
  expect(ran.output).toContain('fatal: [node1]: FAILED! => {"msg": "The `loop` value must resolve to a \'list\', not \'str\'."}\n...ignoring');
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=6 .*failed=0 .*skipped=1 .*ignored=2/);
});

test('loop_control is templated; each item is registered at once (the next item and the label see it); a label naming what is undefined fails its item', async () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - debug: msg="{{ lv }}={{ fruit }}"
      loop: [a]
      loop_control: { loop_var: "{{ lv }}" }
      vars: { lv: fruit }
    - command: "echo {{ item }}"
      register: r
      loop: [changed, skipped]
      loop_control: { label: "{{ r.stdout }}" }
      when: item == "changed"
      ignore_errors: true
    - command: "echo {{ item }}"
      register: s
      loop: [one, two]
      when: s.results is not defined
    - debug: msg="{{ [r.results[1].msg, r.results[1].failed, r.results[1].skipped, s.results | map(attribute='skipped', default=False) | list] }}"
`,
  });
  const ran = await run(dir);
  expect(ran.exitCode).toBe(0);
  expect(ran.output).toContain('"msg": "fruit=a"');
  expect(ran.output).toContain('changed: [node1] => (item=changed)');
  expect(ran.output).toContain(
    'failed: [node1] (item=skipped) => {"ansible_loop_var": "item", "changed": false, "false_condition": "item == \\"changed\\"", "item": "skipped", "msg": "Failed to template loop_control.label: object of type \'dict\' has no attribute \'stdout\'", "skip_reason": "Conditional result was False"}\n...ignoring',
  );
  // registered per item: `s` is the first item's result when the second runs, which has no `results`
  expect(ran.output).toContain('changed: [node1] => (item=one)\nchanged: [node1] => (item=two)');
  expect(ran.output).toMatch(/"Failed to template loop_control.label: object of type 'dict' has no attribute 'stdout'",\s+true,\s+true,\s+\[\s+false,\s+false\s+\]/);
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=4 .*changed=2 .*failed=0 .*ignored=1/);
});

test('ansible_search_path: the role chain, the task file directory, the playbook directory, as ansible-playbook 2.19', async () => {
  const show = '- debug: msg="{{ ansible_search_path | map(\'relpath\', playbook_dir) | join(\' \') }}"\n';
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'roles/r1/tasks/main.yml': `${show}- include_tasks: sub/x.yml\n- include_role: name=r2\n`,
    'roles/r1/tasks/sub/x.yml': show,
    'roles/r2/tasks/main.yml': show,
    'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    ${show}    - include_role: name=r1
`,
  });
  const ran = await run(dir);
  expect(ran.exitCode).toBe(0);
  expect(messages(ran.output)).toEqual(['.', 'roles/r1 roles/r1/tasks .', 'roles/r1 roles/r1/tasks/sub .', 'roles/r2 roles/r1 roles/r2/tasks .']);
});
