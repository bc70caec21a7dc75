/** Every class of bad input names the file, line and column and the offending name, before any host is touched. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PlaybookError, PlaybookErrors } from '../../src/playbook/errors.js';
import { LOCAL_INVENTORY, cli, project, run } from './helpers.js';

/** What refuses the playbook; strict: also what a plain run only warns about (as `playbook validate`). */
async function loadErrors(playbook: string, files: Record<string, string> = {}, strict = false): Promise<string[]> {
  const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': playbook, ...files });
  try {
    await run(dir, 'pb.yml', { strict });
  } catch (e) {
    if (e instanceof PlaybookErrors) return e.errors.map((x) => x.message.replace(dir + path.sep, ''));
    if (e instanceof PlaybookError) return [e.message.replace(dir + path.sep, '')];
    throw e;
  }
  throw new Error('expected the playbook to be refused');
}

describe('the run stops before touching any host when the playbook does not validate', () => {
  test('YAML syntax error', async () => {
    expect(await loadErrors('- hosts: all\n  tasks:\n    - debug: msg=[1\n   - bad: indent\n')).toEqual([
      expect.stringMatching(/^pb\.yml:\d+:\d+: YAML syntax error: /),
    ]);
  });

  test('unknown module, with the nearest module suggested', async () => {
    expect(await loadErrors('- hosts: all\n  tasks:\n    - name: say\n      debgu: msg=hi\n')).toEqual([
      "pb.yml:4:7: couldn't resolve module/action 'debgu'. This often indicates a misspelling, missing collection, or incorrect module path. Did you mean 'debug'?",
    ]);
  });

  test('k=v arguments whose quotes or Jinja blocks do not close, as ansible-core refuses them', async () => {
    expect(await loadErrors('- hosts: all\n  tasks:\n    - debug: msg="unterminated\n    - action: debug msg={{ x\n')).toEqual([
      'pb.yml:3:7: failed at splitting arguments, either an unbalanced jinja2 block or quotes: msg="unterminated',
      'pb.yml:4:7: failed at splitting arguments, either an unbalanced jinja2 block or quotes: debug msg={{ x',
    ]);
  });

  test("include and import options, checked at load in ansible-core's words (checked against ansible-playbook 2.19)", async () => {
    const errors = await loadErrors(
      `- hosts: all
  gather_facts: false
  vars: {x: 1}
  tasks:
    - include_tasks: "{{ 'a.yml' if x == 1 else 'b.yml' }}"
    - ansible.builtin.include_tasks: {file: a.yml, x: 1, y: 2}
    - include_tasks: {}
    - import_tasks: file=a.yml apply={}
    - include_tasks: a.yml
      args: {apply: 3}
    - include_role: r
    - include_role: {name: r, tasks_from: [1]}
    - include_role: {name: r, apply: {tags: [t]}}
`,
      { 'a.yml': '- debug: msg=a\n', 'roles/r/tasks/main.yml': '- debug: msg=r\n' },
    );
    expect(errors).toEqual([
      "pb.yml:5:7: Invalid options for include_tasks: {{ 'a.yml' if x",
      'pb.yml:6:7: Invalid options for ansible.builtin.include_tasks: x,y',
      'pb.yml:7:7: No file specified for include_tasks',
      'pb.yml:8:7: Invalid options for import_tasks: apply',
      "pb.yml:9:7: Expected a dict for apply but got <class 'ansible.module_utils._internal._datatag._AnsibleTaggedInt'> instead",
      "pb.yml:11:7: 'name' is a required field for include_role.",
      "pb.yml:12:7: Expected a string for tasks_from but got <class 'ansible.module_utils._internal._datatag._AnsibleTaggedList'> instead",
    ]);
  });

  test('unknown task, block and play keywords', async () => {
    const errors = await loadErrors(
      '- hosts: all\n  gather_fact: false\n  tasks:\n    - debug: msg=hi\n      whne: true\n    - block:\n        - debug: msg=x\n      rescu: []\n',
    );
    expect(errors).toEqual([
      "pb.yml:2:3: 'gather_fact' is not a valid attribute for a Play. Did you mean 'gather_facts'?",
      "pb.yml:5:7: 'whne' is not a valid attribute for a Task. Did you mean 'when'?",
      "pb.yml:8:7: 'rescu' is not a valid attribute for a Block. Did you mean 'rescue'?",
    ]);
  });

  // Without --strict these are warnings and the tasks fail when they run (test/engine/upfront-check.test.ts).
  test('under --strict: unknown module argument and missing required argument', async () => {
    const errors = await loadErrors('- hosts: all\n  tasks:\n    - name: print\n      debug:\n        msgg: hi\n    - name: check\n      assert:\n        fail_msg: no\n', {}, true);
    expect(errors).toEqual([
      expect.stringMatching(/^pb\.yml:3:7: Unsupported parameters for \(debug\) module: msgg\. Supported parameters include: msg, var, verbosity\. Did you mean 'msg'\? \(in task 'print'\)$/),
      "pb.yml:6:7: missing required arguments: that (in task 'check')",
    ]);
  });

  test('under --strict: template syntax errors point into the value', async () => {
    // A plain run only warns: ansible-core 2.19 fails the task on them when it runs.
    const errors = await loadErrors('- hosts: all\n  tasks:\n    - debug:\n        msg: "{{ nodes | }}"\n      when: nodes is defnied\n', {}, true);
    expect(errors).toEqual([expect.stringMatching(/^pb\.yml:4:\d+: expected token 'name'/), "pb.yml:5:22: No test named 'defnied'. Did you mean 'defined'?"]);
  });

  test('under --strict: unknown filters and tests point into the value', async () => {
    const errors = await loadErrors('- hosts: all\n  tasks:\n    - debug:\n        msg: "{{ nodes | lenght }}"\n      when: nodes is defnied\n', {}, true);
    expect(errors).toEqual([
      "pb.yml:4:26: No filter named 'lenght'. Did you mean 'length'?",
      "pb.yml:5:22: No test named 'defnied'. Did you mean 'defined'?",
    ]);
  });

  test('missing role, missing imported file, missing src', async () => {
    const errors = await loadErrors('- hosts: all\n  roles:\n    - ray_head\n  tasks:\n    - import_tasks: nothere.yml\n    - include_vars: {file: nothere.yml}\n');
    expect(errors[0]).toMatch(/^pb\.yml:3:7: the role 'ray_head' was not found in /);
    expect(errors[1]).toBe("pb.yml:5:7: Could not find or access 'nothere.yml' for import_tasks");
  });

  test('nothing ran: the refusal happens before any command', async () => {
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': '- hosts: all\n  tasks:\n    - command: touch {{ playbook_dir }}/touched\n    - debgu: msg=x\n' });
    await expect(run(dir)).rejects.toThrow(PlaybookError);
    expect(existsSync(path.join(dir, 'touched'))).toBe(false);
  });
});

describe('runtime errors', () => {
  test('an undefined variable fails the task naming the variable and where it is used', async () => {
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': '- hosts: node1\n  gather_facts: false\n  tasks:\n    - name: greet\n      debug:\n        msg: "hello {{ who }}"\n' });
    const r = await run(dir);
    expect(r.exitCode).toBe(2);
    // Ansible's chained message (playbooks match it with `is search`); the error above it shows
    // the cause where it is, as Ansible's `<<< caused by >>>` does.
    const msg = "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': 'who' is undefined";
    expect(r.output).toContain(`fatal: [node1]: FAILED! => {"msg": "${msg}"}`);
    const file = path.join(dir, 'pb.yml');
    // Each Origin with its source lines, as Ansible 2.19 shows them.
    expect(r.output).toContain(
      `[ERROR]: ${msg}\nOrigin: ${file}:4:7\n\n2   gather_facts: false\n3   tasks:\n4     - name: greet\n        ^ column 7\n\n` +
        `<<< caused by >>>\n\n'who' is undefined\nOrigin: ${file}:6:24\n\n4     - name: greet\n5       debug:\n6         msg: "hello {{ who }}"\n                         ^ column 24\n\nfatal: [node1]`,
    );
  });

  test("an operator's Python exception is an error rendering the template, in arguments and loops; an argument template that is not a mapping fails the finalization", async () => {
    const playbook = `- hosts: node1
  gather_facts: false
  tasks:
    - set_fact:
        ratio: "{{ 1 / 0 }}"
      ignore_errors: true
    - debug: msg="{{ item }}"
      loop: "{{ [1 // 0] }}"
      ignore_errors: true
    - copy: "{{ ['not', 'a', 'dict'] }}"
      ignore_errors: true
`;
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': playbook });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain(
      `fatal: [node1]: FAILED! => {"changed": false, "msg": "Task failed: Finalization of task args for 'ansible.builtin.set_fact' failed: Error while resolving value for 'ratio': Error rendering template: division by zero"}`,
    );
    expect(r.output).toMatch(/"msg": "Task failed: [^"]*pb\.yml:\d+:\d+: Error rendering template: integer division or modulo by zero"}/);
    expect(r.output).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.copy' failed: Task args must resolve to a 'dict' not 'list'."}`);
  });

  test('a wrong argument type fails with Ansible\'s message', async () => {
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': '- hosts: node1\n  gather_facts: false\n  tasks:\n    - debug: {msg: hi, verbosity: lots}\n' });
    const r = await run(dir);
    expect(r.exitCode).toBe(2);
    expect(r.output).toContain("argument 'verbosity' is of type str and we were unable to convert to int");
  });

  test('an unknown strategy stops the run when its play starts, naming it', async () => {
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': '- hosts: node1\n  gather_facts: false\n  strategy: bogus\n  tasks:\n    - debug: msg=hi\n' });
    const events: string[] = [];
    await expect(run(dir, 'pb.yml', { onEvent: (e) => events.push(e.type) })).rejects.toThrow(`${path.join(dir, 'pb.yml')}:1:3: Invalid play strategy specified: bogus`);
    // As ansible-playbook: the PLAY banner, then the error; no task runs.
    expect(events).toEqual(['playbook_start', 'play_start']);
  });
});

describe('exit codes from the command line, as ansible-playbook', () => {
  const dir = project({
    'inventory.ini': LOCAL_INVENTORY,
    'ok.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n',
    'fails.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - fail: msg=boom\n      when: inventory_hostname == "node2"\n',
    'bad.yml': '- hosts: all\n  tasks:\n    - debgu: msg=hi\n',
  });

  test('0 on success, 2 when a host failed, 4 on a parse error, 5 on a bad option', async () => {
    expect((await cli(['run', '-i', 'inventory.ini', 'ok.yml'], dir)).code).toBe(0);
    const failed = await cli(['run', '-i', 'inventory.ini', 'fails.yml'], dir);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toMatch(/node2 +: ok=0 +changed=0 +unreachable=0 +failed=1 /);
    const parse = await cli(['run', '-i', 'inventory.ini', 'bad.yml'], dir);
    expect(parse.code).toBe(4);
    expect(parse.stderr).toContain("bad.yml:3:7: couldn't resolve module/action 'debgu'");
    expect((await cli(['run', '--no-such-option', 'ok.yml'], dir)).code).toBe(5);
  }, 60_000);
});

describe('keyword types are checked (ajv schemas) before anything runs', () => {
  test('a wrong type names the keyword, what it must be, and where', async () => {
    const errors = await loadErrors(
      '- hosts: all\n  serial: {a: 1}\n  tasks:\n    - debug: msg=x\n      loop: {a: 1}\n    - command: "true"\n      retries: many\n      register: "not a name"\n    - block:\n        - debug: msg=y\n      ignore_errors: [1]\n',
    );
    expect(errors).toEqual([
      `pb.yml:2:11: 'serial' must be a number, a percentage ("30%") or a list of them, got {"a":1}`,
      `pb.yml:5:13: 'loop' must be a list (or a template giving one), got {"a":1}`,
      `pb.yml:7:16: 'retries' must be an integer, got "many"`,
      `pb.yml:8:18: 'register' must be a variable name, got "not a name"`,
      'pb.yml:11:22: \'ignore_errors\' must be a boolean or a template, got [1]',
    ]);
  });

  test('templates are accepted wherever a scalar is', async () => {
    const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': '- hosts: node1\n  gather_facts: "{{ false }}"\n  tasks:\n    - command: "true"\n      register: r\n      until: r.rc == 0\n      retries: "{{ 2 }}"\n      loop: "{{ [1] }}"\n' });
    const r = await run(dir);
    expect(r.exitCode).toBe(0);
  });
});

describe('bad arguments the playbook expects to fail are task failures, as in Ansible', () => {
  test('under ignore_errors, failed_when or a rescue, the task fails when it runs and the play goes on', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - name:
      debug: { msgg: hi }
      register: ignored
      ignore_errors: true
    - command: { chdir: /tmp }
      register: expected
      failed_when: expected is not failed
    - block:
        - copy: { src: not-there.txt, dest: /tmp/x }
      rescue:
        - set_fact: { rescued_msg: "{{ ansible_failed_result.msg }}" }
    - copy:
        dest: "{{ playbook_dir }}/report.json"
        content: "{{ [ignored.msg, expected.msg, rescued_msg] | to_json }}"
`,
    });
    const ran = await run(dir);
    expect(ran.exitCode).toBe(0);
    const [ignored, expected, rescued] = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as string[];
    expect(ignored).toMatch(/^Unsupported parameters for \(debug\) module: msgg/);
    expect(expected).toBe('one of the following is required: _raw_params, cmd, argv');
    expect(rescued).toMatch(/Could not find or access 'not-there.txt'/);
  });

  test('module_defaults supply arguments, the task overrides them, any spelling of the module name applies', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: node1
  gather_facts: false
  module_defaults:
    ansible.builtin.copy: { mode: "0600", content: "play default\\n" }
  tasks:
    - block:
        - copy: { dest: "{{ playbook_dir }}/a.txt" }
        - copy: { dest: "{{ playbook_dir }}/b.txt", mode: "0644" }
      module_defaults:
        copy: { content: "block default\\n" }
    - copy: { dest: "{{ playbook_dir }}/c.txt" }
`,
    });
    const ran = await run(dir);
    expect(ran.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('block default\n');
    // The block's entry for copy replaces the play's whole (ansible-playbook 2.19 leaves a.txt 0644): no mode 0600.
    expect(statSync(path.join(dir, 'a.txt')).mode & 0o777).toBe(0o666 & ~process.umask());
    expect(statSync(path.join(dir, 'b.txt')).mode & 0o777).toBe(0o644);
    expect(readFileSync(path.join(dir, 'c.txt'), 'utf8')).toBe('play default\n');
  });
});
