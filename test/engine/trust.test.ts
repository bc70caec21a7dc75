/**
 * Ansible 2.19's trust and conditional rules: text the user wrote (playbooks, vars files,
 * inventories) is trusted; a string a template produced is never evaluated as an expression; assert
 * evaluates each condition as written, which must give a boolean. The expected messages are
 * ansible-playbook 2.19's on the same playbooks (local connection), checked by hand.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli, project } from './helpers.js';

const INVENTORY = 'localhost ansible_connection=local from_inventory="x == 1"\n';
const RECAP = (counts: string): RegExp => new RegExp(`^localhost +: ${counts.split(' ').join(' +')} *$`, 'm');
/** The msg of each failed or debug result, in order. */
const messages = (stdout: string): string[] => [...stdout.matchAll(/"msg": ("(?:[^"\\]|\\.)*"|true|false)/g)].map((m) => m[1]!);

const ASSERTS = `- hosts: localhost
  gather_facts: false
  vars:
    a_var: one
    s: hello
  tasks:
    - name: a condition a loop template rendered
      assert: "{{ item }}"
      ignore_errors: true
      loop:
        - that: |
            "hi mom" == '{{ "hi mom" }}'  # a comment
        - that: a_var == "one"
    - set_fact:
        rendered: "a_var=={{ '\\"one\\"' }}"
    - name: indirection to a rendered string
      assert: { that: "{{ rendered }}" }
      ignore_errors: true
    - name: a template inside a string literal
      assert: { that: "a_var == '{{ a_var }}'" }
    - name: empty
      assert: { that: }
      ignore_errors: true
    - name: not a boolean
      assert: { that: s }
      ignore_errors: true
    - name: not a string
      assert: { that: 5 }
      ignore_errors: true
    - name: a whole template
      assert: { that: "{{ true }}" }
      register: whole
    - debug: { msg: "{{ whole.deprecations | map(attribute='msg') | list }} {{ whole.keys() | sort }}" }
    - name: a list from a template keeps its items as written
      assert: { that: "{{ checks }}" }
      vars:
        checks: ["{{ 1 == 1 }}", "1 == 1"]
    - debug: { msg: "{{ lookup('pipe', 'echo {{ s }}') }}" }
`;

describe('trusted text and conditionals', () => {
  test("assert's conditions: untrusted text, templates in string literals, empty, non-boolean, deprecated whole templates", async () => {
    const dir = project({ 'inventory.ini': INVENTORY, 'pb.yml': ASSERTS });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(messages(r.stdout)).toEqual([
      '"Task failed: Encountered untrusted template or expression."',
      '"All assertions passed"',
      '"Task failed: Encountered untrusted template or expression."',
      '"All assertions passed"',
      '"Task failed: Empty conditional expressions are not allowed."',
      // Ansible names where the value came from (here s's definition, pb.yml:5:8); playbook tracks no origin on values and names the condition.
      `"Task failed: Conditional result (True) was derived from value of type 'str' at '${path.join(dir, 'pb.yml')}:25:23'. Conditionals must have a boolean result."`,
      '"Task failed: Conditional expressions must be strings."',
      '"All assertions passed"',
      `"['Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}.'] ['changed', 'deprecations', 'failed', 'msg']"`,
      '"All assertions passed"',
      '"hello"',
    ]);
    // Shown as Ansible's Display shows deprecations, the first with how to turn them off; not in the result.
    expect(r.stderr).toContain(
      '[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.\n' +
        '[DEPRECATION WARNING]: Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}. This feature will be removed from ansible-core version 2.23.\n',
    );
    expect(r.stdout).toMatch(/TASK \[a whole template\] \*+\nok: \[localhost\] => \{\n {4}"changed": false,\n {4}"msg": "All assertions passed"\n\}/);
    expect(r.stdout).toMatch(RECAP('ok=11 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=5'));
  }, 60_000);

  test("tagged_with('TrustedAsTemplate'): true for text from vars files and inventories, false for what a template made", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'vars.yml': 'foo: bar\n',
      'pb.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - include_vars: { file: vars.yml }
      register: included
    - set_fact: { made: "{{ 'b' ~ 'az' }}" }
    - debug:
        msg: >-
          {{ included.ansible_facts.foo is ansible._protomatter.tagged_with('TrustedAsTemplate') }}
          {{ from_inventory is ansible._protomatter.tagged_with('TrustedAsTemplate') }}
          {{ made is ansible._protomatter.tagged_with('TrustedAsTemplate') }}
          {{ 5 is ansible._protomatter.tagged_with('TrustedAsTemplate') }}
`,
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('"msg": "True True False False"');
  }, 60_000);

  test("when: a string literal that holds a template is rendered in an expression, not in a whole template", async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  vars:
    a_var: one
  tasks:
    - name: rendered in an expression
      debug: { msg: ran }
      when: "a_var == '{{ a_var }}'"
    - name: not rendered inside a whole template
      debug: { msg: ran }
      when: "{{ a_var == '{{ a_var }}' }}"
`,
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TASK \[rendered in an expression\] \*+\nok: \[localhost\]/);
    expect(r.stdout).toMatch(/TASK \[not rendered inside a whole template\] \*+\nskipping: \[localhost\]/);
  }, 60_000);

  test('text loaded as !unsafe is not trusted: a condition that gives it fails as untrusted', async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  vars:
    x: 1
    cond: !unsafe "x == 1"
  tasks:
    - debug: { msg: ran }
      when: "{{ cond }}"
`,
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('fatal: [localhost]: FAILED! => {"msg": "Task failed: Encountered untrusted template or expression."}');
  }, 60_000);
});
