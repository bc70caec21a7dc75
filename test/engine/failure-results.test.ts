/** What a failed task's result holds and says, as ansible-playbook 2.19 gives it (checked against it). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LOCAL_INVENTORY, project, recapLine, run } from './helpers.js';

/** The registered results a playbook wrote to res.json. */
function results(dir: string): Record<string, Record<string, unknown>> {
  return JSON.parse(readFileSync(path.join(dir, 'res.json'), 'utf8')) as Record<string, Record<string, unknown>>;
}

describe('failed results', () => {
  test('a failure that gives no msg says "Task failed: Action failed: Unknown error.", in the result and on the error line', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - set_fact: { a: 1 }
      failed_when: true
      register: r1
      ignore_errors: true
    - set_fact: { a: 1 }
      failed_when: true
      loop: [1]
      register: r2
      ignore_errors: true
    - fail: { msg: boom }
      register: r3
      ignore_errors: true
    - copy: { dest: "{{ playbook_dir }}/res.json", content: "{{ {'r1': r1, 'r2': r2, 'r3': r3} | to_json }}" }
`,
    });
    const ran = await run(dir);
    expect(ran.exitCode).toBe(0);
    const res = results(dir);
    expect(res['r1']).toMatchObject({ failed: true, failed_when_result: true, msg: 'Task failed: Action failed: Unknown error.' });
    expect(res['r2']).toMatchObject({ failed: true, msg: 'One or more items failed' });
    expect((res['r2']!['results'] as Record<string, unknown>[])[0]).toMatchObject({ failed: true, msg: 'Task failed: Action failed: Unknown error.' });
    expect(res['r3']).toMatchObject({ failed: true, msg: 'boom' });
    expect(ran.output).toContain('[ERROR]: Task failed: Action failed: Unknown error.');
    expect(recapLine(ran.output, 'node1')).toMatch(/ok=4 .*failed=0 .*ignored=3/);
  });

  test("ping with data=crash fails as Ansible's module exception does", async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - ping: { data: crash }
      register: r
      ignore_errors: true
    - assert:
        that:
          - r is failed
          - r is not changed
          - r.msg is match 'Task failed. Module failed. boom'
`,
    });
    const ran = await run(dir);
    expect(ran.exitCode).toBe(0);
    expect(ran.output).toContain('fatal: [node1]: FAILED! => {"changed": false, "msg": "Task failed: Module failed: boom"}');
  });
});

describe('debug var=', () => {
  test('an undefined name shows as a numbered placeholder with a warning; any other error in the expression fails the task', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: node1
  gather_facts: false
  vars:
    d: { a: 1 }
  tasks:
    - debug: var=nope
    - debug: var=d.x
      register: r1
    - debug:
        var: "'http://www.acme.com:9000/dir/index.html' | urlsplit('bad_filter')"
      register: r2
      ignore_errors: true
    - assert:
        that:
          - r1 is not failed
          - r2 is failed
          - "'unknown URL component' in r2.msg"
`,
    });
    const ran = await run(dir);
    expect(ran.exitCode).toBe(0);
    expect(ran.output).toContain('"nope": "<< error 1 - \'nope\' is undefined >>"');
    expect(ran.output).toContain('"d.x": "<< error 1 - object of type \'dict\' has no attribute \'x\' >>"');
    expect(ran.output).toContain("[WARNING]: Encountered 1 template error.\nerror 1 - 'nope' is undefined");
    expect(ran.output).toMatch(/fatal: \[node1\]: FAILED! => \{"msg": "Task failed: Error while resolving `var` expression: .*unknown URL component: bad_filter"\}\n\.\.\.ignoring/);
    expect(recapLine(ran.output, 'node1')).toMatch(/ok=4 .*failed=0 .*ignored=1/);
  });
});

describe('include_vars', () => {
  const files = {
    'inventory.ini': LOCAL_INVENTORY,
    'vd/a-b.yml': 'a: 0\n',
    'vd/b.yml': 'b: 2\n',
    'vd/sub/c.yml': 'c: 3\n',
    'vd/z.yml': '- 1\n',
    'ext/noext': 'n: 1\n',
    'ext/x.yml': 'x: 1\n',
    'h/h1.yml': 'config: {key0: 0, key2: {a: 21}}\n',
    'h/h2.yml': 'config: {key1: 1, key2: {b: 22}}\n',
  };

  test('a failure is told in `message`, with the facts and files read so far; msg is the unknown error', async () => {
    const dir = project({
      ...files,
      'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - include_vars: nope.yml
      register: r1
      ignore_errors: true
    - include_vars: vd/z.yml
      register: r2
      ignore_errors: true
    - include_vars: { dir: vd, name: x }
      register: r3
      ignore_errors: true
    - include_vars: { dir: ext }
      register: r4
      ignore_errors: true
    - include_vars: { file: "{{ lookup('first_found', ['nope.yml'], errors='ignore') }}" }
      register: r5
      ignore_errors: true
    - copy: { dest: "{{ playbook_dir }}/res.json", content: "{{ {'r1': r1, 'r2': r2, 'r3': r3, 'r4': r4, 'r5': r5} | to_json }}" }
`,
    });
    const ran = await run(dir);
    expect(ran.exitCode).toBe(0);
    const res = results(dir);
    const tail = ' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option';
    const failed = { failed: true, changed: false, msg: 'Task failed: Action failed: Unknown error.' };
    expect(res['r1']).toMatchObject({ ...failed, ansible_facts: {}, ansible_included_var_files: [], message: `Could not find or access 'nope.yml'${tail}` });
    expect(res['r2']).toMatchObject({ ...failed, ansible_facts: {}, message: `${path.join(dir, 'vd/z.yml')} must be stored as a dictionary/hash` });
    // The directory's files before the bad one were read, but its variables are dropped.
    expect(res['r3']).toMatchObject({
      ...failed,
      ansible_facts: { x: {} },
      ansible_included_var_files: [path.join(dir, 'vd/a-b.yml'), path.join(dir, 'vd/b.yml')],
      message: `${path.join(dir, 'vd/z.yml')} must be stored as a dictionary/hash`,
    });
    expect(res['r4']).toMatchObject({ ...failed, message: `${path.join(dir, 'ext/noext')} does not have a valid extension: yaml, yml, json` });
    expect(res['r5']).toMatchObject({ ...failed, message: `Could not find file${tail}`, warnings: ['Invalid request to find a file that matches a "null" value'] });
    expect(recapLine(ran.output, 'node1')).toMatch(/ok=6 .*failed=0 .*ignored=5/);
  });

  test("a directory's files are read by sorted directory, then file; extensions, ignore_files and hash_behaviour as in Ansible", async () => {
    const dir = project({
      ...files,
      'pb.yml': `- hosts: node1
  gather_facts: false
  tasks:
    - include_vars: { dir: vd, ignore_files: ['z.yml'] }
      register: r1
    - include_vars: { dir: ext, extensions: ['', 'yml'] }
      register: r2
    - include_vars: h/h1.yml
    - include_vars: { file: h/h2.yml, hash_behaviour: merge }
    - set_fact: { merged: "{{ config }}" }
    - include_vars: h/h2.yml
    - copy: { dest: "{{ playbook_dir }}/res.json", content: "{{ {'r1': r1, 'r2': r2, 'merged': merged, 'replaced': config} | to_json }}" }
`,
    });
    const ran = await run(dir);
    expect(ran.exitCode).toBe(0);
    const res = results(dir);
    expect(res['r1']!['ansible_included_var_files']).toEqual(['vd/a-b.yml', 'vd/b.yml', 'vd/sub/c.yml'].map((f) => path.join(dir, f)));
    expect(res['r1']!['ansible_facts']).toEqual({ a: 0, b: 2, c: 3 });
    expect(res['r2']!['ansible_facts']).toEqual({ n: 1, x: 1 });
    expect(res['merged']).toEqual({ key0: 0, key1: 1, key2: { a: 21, b: 22 } });
    expect(res['replaced']).toEqual({ key1: 1, key2: { b: 22 } });
  });
});
