/**
 * Run-time semantics that ansible-core's integration targets rely on: templated set_fact keys,
 * arguments that come whole from a template, a loop over undefined items under `when: false`, one
 * failing item in a loop, conditionals that cannot be evaluated, retries with and without `until`,
 * the `[ERROR]` line above a failure (a module's or an action's), and `!unsafe` text. The expected
 * lines are ansible-playbook 2.19's on the same playbooks (local connection), checked by hand.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli, project } from './helpers.js';

const INVENTORY = 'localhost ansible_connection=local\n';
const RECAP = (counts: string): RegExp => new RegExp(`^localhost +: ${counts.split(' ').join(' +')} *$`, 'm');
/** The msg of each debug task, in order. */
const messages = (stdout: string): string[] => [...stdout.matchAll(/^ {4}"msg": (.*)$/gm)].map((m) => m[1]!);

const SEMANTICS = `- hosts: localhost
  gather_facts: false
  vars:
    assertion: { that: ["1 == 1"] }
    file_args: { msg: from a template }
  tasks:
    - name: templated set_fact key
      set_fact: "{{ 'seen_' + item }}={{ item }}"
      loop: [a, b]
    - debug: { msg: "{{ seen_a }} {{ seen_b }}" }
    - name: undefined items under a false when
      debug: { msg: "{{ item }}" }
      loop: "{{ nothing_here }}"
      when: false
    - name: arguments from a template
      debug:
      args: "{{ file_args }}"
    - name: a whole free-form template
      assert: "{{ assertion }}"
    - name: one item fails, the others run
      debug: { msg: "{{ item.x }}" }
      loop: [{ x: 1 }, {}, { x: 3 }]
      ignore_errors: true
      register: each
    - debug: { msg: "{{ each.results | map(attribute='failed') | list }} {{ each.failed }} {{ each.msg }}" }
    - name: changed_when that cannot be evaluated
      command: echo hi
      changed_when: nope_undefined
      ignore_errors: true
      register: cw
    - debug: { msg: "{{ cw.failed }} {{ cw.changed_when_result }}" }
    - name: retries without until
      command: /bin/false
      retries: 2
      delay: 0
      ignore_errors: true
      register: r
    - debug: { msg: "{{ r.attempts }} {{ r.failed }}" }
    - name: failed_when holds a retried task not failed
      command: echo hi
      register: w
      until: 1 == 0
      retries: 2
      delay: 0
      failed_when: w.attempts > 6
    - debug: { msg: "{{ w.attempts }} {{ w.failed }} {{ w.failed_when_result }}" }
`;

describe('run-time semantics of the integration targets', () => {
  test('templated keys and arguments, skipped undefined loops, failing items, conditional errors, retries', async () => {
    const dir = project({ 'inventory.ini': INVENTORY, 'pb.yml': SEMANTICS });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Arguments from a template are known only when the task runs: nothing to warn about up front.
    expect(r.stderr).not.toContain('missing required arguments');
    expect(messages(r.stdout)).toEqual([
      '"a b"',
      '"from a template"',
      '"All assertions passed"',
      '1',
      '3',
      '"[False, True, False] True One or more items failed"',
      `"True Error while evaluating conditional: 'nope_undefined' is undefined"`,
      '"2 True"',
      '"2 True False"',
    ]);
    expect(r.stdout).toMatch(/TASK \[undefined items under a false when\] \*+\nskipping: \[localhost\]\n/);
    // The failing item, then the loop goes on; the whole task is ignored once, after its items.
    expect(r.stdout).toMatch(/failed: \[localhost\] \(item=\{\}\) => .*no attribute 'x'.*\nok: \[localhost\] => \(item=\{'x': 3\}\) => \{\n {4}"msg": 3\n\}\n\.\.\.ignoring\n/);
    expect(r.stdout).toContain(`[ERROR]: Task failed: Action failed.\nOrigin: ${path.join(dir, 'pb.yml')}:26:7\n`);
    expect(r.stdout).toContain(`[ERROR]: Task failed: Module failed: non-zero return code\nOrigin: ${path.join(dir, 'pb.yml')}:32:7\n`);
    expect(r.stdout).toMatch(/FAILED - RETRYING: \[localhost\]: retries without until \(2 retries left\)\.\nFAILED - RETRYING: \[localhost\]: retries without until \(1 retries left\)\.\n/);
    // Out of attempts, yet failed_when held it: Ansible prints the error and counts the task changed.
    expect(r.stdout).toMatch(/\(1 retries left\)\.\n\[ERROR\]: Task failed: Action failed\.\nOrigin: .*pb\.yml:39:7\n\n(?:\d+ .*\n)+ +\^ column 7\n\nchanged: \[localhost\]\n/);
    expect(r.stdout).toMatch(RECAP('ok=12 changed=3 unreachable=0 failed=0 skipped=1 rescued=0 ignored=3'));
  }, 60_000);

  test('the error line names a module failure, an action failure, or an error the action raised', async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - debug: msgg=hi
    - command: /bin/false
    - fail: msg=boom
    - assert: { that: false }
    - command: echo hi
      failed_when: true
    - stat: { path: /nonexistent, bogus: 1 }
`.replace(/\n {4}- (\w+):([^\n]*)((?:\n {6}[^\n]*)?)/g, '\n    - $1:$2$3\n      ignore_errors: true'),
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('[ERROR]'))).toEqual([
      '[ERROR]: Task failed: Unsupported parameters for (debug) module: msgg. Supported parameters include: msg, var, verbosity.',
      '[ERROR]: Task failed: Module failed: non-zero return code',
      '[ERROR]: Task failed: Action failed: boom',
      '[ERROR]: Task failed: Action failed: Assertion failed',
      '[ERROR]: Task failed: Action failed.',
      '[ERROR]: Task failed: Module failed: Unsupported parameters for (stat) module: bogus. Supported parameters include: checksum_algorithm, follow, get_attributes, get_checksum, get_mime, path (attr, attributes, checksum, checksum_algo, dest, mime, mime-type, mime_type, name).',
    ]);
    expect(r.stdout).toMatch(RECAP('ok=6 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=6'));
  }, 60_000);

  test('!unsafe text is never templated: a string, a list, a mapping, through another variable and set_fact', async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  vars:
    nottemplate: FAIL
    s: !unsafe 'b{{nottemplate}}'
    l: !unsafe ['b{{nottemplate}}', 'c', 3]
    d: !unsafe
      a: 'b{% if 1 %}x{% endif %}'
      n: 1
    via: "{{ s }}"
  tasks:
    - debug: { msg: "{{ s }} {{ l }} {{ d }} {{ via }} {{ s | length }} {{ l[2] + 1 }}" }
    - set_fact: { copied: "{{ s }}" }
    - debug: { msg: "{{ copied }}" }
`,
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(messages(r.stdout)).toEqual([`"b{{nottemplate}} ['b{{nottemplate}}', 'c', 3] {'a': 'b{% if 1 %}x{% endif %}', 'n': 1} b{{nottemplate}} 16 4"`, '"b{{nottemplate}}"']);
  }, 60_000);

  test('words that are not key=value fail the task when it runs (a skipped one passes); `args:` alone is no arguments', async () => {
    const dir = project({
      'inventory.ini': INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - debug: msg=hi junk
      when: false
    - debug:
      args:
    - ping: data=x junk
      ignore_errors: true
    - debug: msg=hi junk
`,
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`[WARNING]: ${path.join(dir, 'pb.yml')}:10:7: Action 'ansible.builtin.debug' does not support raw params.`);
    expect(messages(r.stdout)).toEqual(['"Hello world!"']);
    expect(r.stdout).toContain(`[ERROR]: Task failed: Action 'ansible.builtin.ping' does not support raw params.\nOrigin: ${path.join(dir, 'pb.yml')}:8:7\n`);
    expect(r.stdout).toContain(`fatal: [localhost]: FAILED! => {"msg": "Task failed: Action 'ansible.builtin.debug' does not support raw params."}`);
    expect(r.stdout).toMatch(RECAP('ok=2 changed=0 unreachable=0 failed=1 skipped=1 rescued=0 ignored=1'));
  }, 60_000);

  test("a host's whole hostvars can be shown (without hostvars itself, as Ansible's); inventory sources are absolute", async () => {
    const dir = project({
      'inventory.ini': 'a ansible_connection=local\nb ansible_connection=local colour=blue\n',
      'pb.yml': `- hosts: a
  gather_facts: false
  tasks:
    - debug: var=hostvars.b
    - debug: { msg: "{{ hostvars.b.colour }} {{ 'hostvars' in hostvars.b }} {{ ansible_inventory_sources }}" }
`,
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"hostvars\.b": \{\n(?: {8}.*\n)*? {8}"colour": "blue",\n(?: {8}.*\n)*? {8}"inventory_hostname": "b",\n/);
    expect(r.stdout).not.toMatch(/^ {8}"hostvars": /m);
    expect(messages(r.stdout)).toEqual([`"blue False ['${path.join(dir, 'inventory.ini')}']"`]);
  }, 60_000);
});
