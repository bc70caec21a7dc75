/**
 * Templating semantics of ansible-core 2.19 that its `templating` target checks: a variable's
 * mapping is templated only where it is read (lazy containers), a lookup's terms render the string
 * literals that hold a template, a repeated keyword argument fails, and a `!vault` value without
 * its secret cannot be written out as JSON. Expected messages are ansible-playbook 2.19's.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { cli, project } from './helpers.js';

const INVENTORY = 'localhost ansible_connection=local\n';

test('only the keys a template reads are templated; lookup terms render their templates; repeated keywords and undecryptable JSON fail', async () => {
  const dir = project({
    'inventory.ini': INVENTORY,
    'pb.yml': `- hosts: localhost
  gather_facts: false
  vars:
    top: "{{ middle }}"
    middle: "{{ lowest }}"
    lowest:
      read: static data
      unread:
        deeper: "{{ lookup('pipe', 'touch ' ~ playbook_dir ~ '/tripwire') }}"
    echo_me: hi mom
    vaulted:
      secret: !vault |
        $ANSIBLE_VAULT;1.1;AES256
        63326561376261613563313535363635306336343061343735343931396538666263326333316135
        3364323839336665663238376238336661636630316635360a613537653337363035373261623038
        30633437653432623936376239376466316434393134393632313163633965353530376361626564
        3262633163333464330a393161353063326562626665333138373839633165376639343166333561
        3663
  tasks:
    - set_fact: { lazy: "{{ top.read }}" }
    - debug: { msg: "{{ lazy }}" }
    - debug: { msg: "{{ lookup('list', ['{{ 1 }}']) }} {{ lookup('pipe', 'echo \\"{{ echo_me }}\\"') }} {{ '{{ 1 }}' }}" }
    - debug: { msg: "{{ lookup('vars', 'echo_me', default='', default='') }}" }
      ignore_errors: true
    - debug: { msg: "{{ vaulted | to_json }}" }
      ignore_errors: true
`,
  });
  const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(existsSync(path.join(dir, 'tripwire'))).toBe(false);
  expect(r.stdout).toContain('"msg": "static data"');
  expect(r.stdout).toContain(`"msg": "[1] hi mom {{ 1 }}"`);
  expect(r.stdout).toContain("Error while resolving value for 'msg': Error rendering template: keyword argument repeated: default");
  // Ansible says "Error rendering template: " before it (the error comes while rendering, not from the filter).
  expect(r.stdout).toMatch(/Error while resolving value for 'msg': (Error rendering template: )?Attempt to use undecryptable variable: Attempting to decrypt but no vault secrets found\./);
  expect(r.stdout).toMatch(/^localhost +: ok=5 +changed=0 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=2/m);
}, 60_000);

test("what an expression raised, as ansible._protomatter.dump_object shows it; from_json's and undef()'s errors in Python's and Ansible's words", async () => {
  const dir = project({
    'inventory.ini': INVENTORY,
    'pb.yml': `- hosts: localhost
  gather_facts: false
  vars:
    broken: "{{ #'"
  tasks:
    - debug: { msg: "{{ (broken | ansible._protomatter.dump_object).exception.message }}" }
    - debug: { msg: "{{ ('{' | from_json | ansible._protomatter.dump_object).exception.message }}" }
    - debug: { msg: "{{ (undef(0) | ansible._protomatter.dump_object).exception.message }}" }
    - debug: { msg: "{{ (lookup('pipe', 'exit 1') | ansible._protomatter.dump_object).exception.message }}" }
    - debug: { msg: "{{ [1] | ansible._protomatter.dump_object }}" }
`,
  });
  const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const messages = [...r.stdout.matchAll(/^ {4}"msg": (.*)$/gm)].map((m) => m[1]!);
  expect(messages[0]).toMatch(/^"Syntax error in template: /);
  expect(messages[1]).toBe(`"The filter plugin 'ansible.builtin.from_json' failed: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"`);
  expect(messages[2]).toBe(`"The 'hint' argument must be of type 'str' or 'NoneType', not 'int'."`);
  expect(messages[3]).toMatch(/^"The lookup plugin 'pipe' failed: /);
  expect(r.stdout).toMatch(/"msg": \[\n {8}1\n {4}\]/);
}, 60_000);

test("a lookup term naming an undefined variable fails the lookup (its command never runs); changing a variable's mapping in a template does not change the variable", async () => {
  const dir = project({
    'inventory.ini': INVENTORY,
    'pb.yml': `- hosts: localhost
  gather_facts: false
  vars:
    shared: { port: "{{ 80 }}", keep: "{{ 'same' }}" }
  tasks:
    - debug: { msg: "{{ lookup('pipe', 'touch {{ nowhere }}/made') }}" }
      ignore_errors: true
    - debug: { msg: "{% set _ = shared.update({'port': 1}) %}{{ shared.port }} {{ shared.keep }}" }
    - debug: { msg: "{{ shared.port }}" }
`,
  });
  const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain(`"msg": "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': 'nowhere' is undefined"`);
  expect(existsSync(path.join(dir, 'nowhere'))).toBe(false);
  expect(existsSync(path.join(dir, '{{'))).toBe(false);
  const messages = [...r.stdout.matchAll(/^ {4}"msg": (.*)$/gm)].map((m) => m[1]!);
  expect(messages).toEqual(['"1 same"', '80']);
}, 60_000);

