/**
 * Modules playbook does not carry run as Ansible runs them: a playbook's own library/ module and
 * community.general.ini_file (no native version) go through the controller's ansible-core and the
 * host's Python, over the local connection. Each run is compared with the pinned ansible-playbook
 * on the same playbook: recap, changed then ok, the files left, --check, a bad argument's message.
 * Without ansible-core the task fails naming the module and what to install; -v names the path.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { ansiblePython, ansibleVenv, pythonWithoutAnsible } from '../support/ansible.js';
import { MY_MOD, WHO_AM_I } from '../support/python-module.js';
import { cli, project, recapLine } from '../engine/helpers.js';
import { moduleResult } from '../../src/modules/python/result.js';

const INVENTORY = 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n';

const PLAYBOOK = `- hosts: localhost
  gather_facts: false
  tasks:
    - my_mod: { path: "{{ out }}/mine.txt", content: "hello\\n" }
      register: mine
    - community.general.ini_file: { path: "{{ out }}/conf.ini", section: main, option: color, value: blue }
      register: ini
    - debug: { msg: "{{ mine.msg }} / {{ ini.msg }}" }
`;

const BAD_ARGUMENT = `- hosts: localhost
  gather_facts: false
  tasks:
    - my_mod: { path: "{{ out }}/mine.txt", bogus: 1 }
`;

const LOOPED = `- hosts: localhost
  gather_facts: false
  tasks:
    - my_mod: { path: "{{ out }}/{{ item }}.txt", content: "{{ item }}\\n" }
      loop: [a, b]
      register: each
      no_log: "{{ hide | default(false) }}"
    - my_mod: { path: "{{ out }}/a.txt", content: "changed\\n" }
      changed_when: false
      register: quiet
    - who_am_i: { variable: PROBE }
      environment: { PROBE: from-the-task }
      register: who
    - debug: { msg: "{{ each.results | map(attribute='msg') | list }} {{ quiet.changed }} {{ quiet.invocation is defined }} {{ who.value }}" }
`;

/** A WANT_JSON module (JSON args file), an old-style shell module (k=v args file, found as library/old_style.sh), a collection module reached through a redirect. */
const OTHER_STYLES = `- hosts: localhost
  gather_facts: false
  tasks:
    - want_json: { x: 5 }
    - old_style: { x: "a b" }
    - acme.tools.old_name: { greeting: hi }
    - acme.tools.new_name: { greeting: hello }
`;

const WANT_JSON = `#!/usr/bin/python3
# WANT_JSON
import json
import sys

args = json.load(open(sys.argv[1]))
print(json.dumps({"changed": False, "got": args.get("x"), "check": args.get("_ansible_check_mode")}))
`;

const OLD_STYLE = `#!/bin/sh
. "$1"
echo "{\\"changed\\": true, \\"x\\": \\"$x\\"}"
`;

const NEW_NAME = `#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec=dict(greeting=dict(type='str')), supports_check_mode=True)
module.exit_json(changed=False, said=module.params['greeting'] + ' from new_name')
`;

/** A module that does not say supports_check_mode: under --check it skips itself. */
const NO_CHECK = `#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule

AnsibleModule(argument_spec=dict()).exit_json(changed=True)
`;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const PYTHON_ENV = (): Record<string, string> => ({ PLAYBOOK_ANSIBLE_PYTHON: ansiblePython() });

async function ours(dir: string, playbook: string, out: string, args: string[] = [], env: Record<string, string> = PYTHON_ENV()): Promise<Ran> {
  return cli(['run', '-i', 'inventory.ini', playbook, '-e', `out=${out}`, ...args], dir, env);
}

async function ansible(dir: string, playbook: string, out: string, args: string[] = []): Promise<Ran> {
  const bin = path.join(ansibleVenv(), 'bin', 'ansible-playbook');
  try {
    const { stdout, stderr } = await promisify(execFile)(bin, ['-i', 'inventory.ini', playbook, '-e', `out=${out}`, ...args], {
      cwd: dir,
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: path.join(dir, '.ansible-tmp'), ANSIBLE_RETRY_FILES_ENABLED: '0' },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function outDir(dir: string, name: string): string {
  const out = path.join(dir, name);
  mkdirSync(out, { recursive: true });
  return out;
}

/** The `fatal:`/`changed:`/`ok:` lines of the output, in order. */
const hostLines = (stdout: string): string[] => stdout.split('\n').filter((l) => /^(ok|changed|fatal|failed|skipping): /.test(l));

let dir: string;

beforeAll(() => {
  dir = project({ 'inventory.ini': INVENTORY, 'library/my_mod.py': MY_MOD, 'library/who_am_i.py': WHO_AM_I,
    'library/want_json.py': WANT_JSON,
    'library/old_style.sh': OLD_STYLE,
    'collections/ansible_collections/acme/tools/plugins/modules/new_name.py': NEW_NAME,
    'collections/ansible_collections/acme/tools/meta/runtime.yml': 'plugin_routing:\n  modules:\n    old_name:\n      redirect: acme.tools.new_name\n',
    'other.yml': OTHER_STYLES,
    'defaults.yml': `- hosts: localhost
  gather_facts: false
  module_defaults:
    my_mod: { content: "from the defaults\\n" }
    community.general.ini_file: { section: main }
  tasks:
    - ansible.legacy.my_mod: { path: "{{ out }}/mine.txt" }
    - community.general.ini_file: { path: "{{ out }}/conf.ini", option: color, value: red }
`,
    'library/no_check.py': NO_CHECK,
    'collections-keyword.yml': `- hosts: localhost
  gather_facts: false
  collections: [acme.tools, community.general]
  tasks:
    - ini_file: { path: "{{ out }}/conf.ini", section: main, option: color, value: green }
    - new_name: { greeting: short }
    - ini_file: { path: "{{ out }}/conf.ini", bogus: 1 }
      ignore_errors: true
`,
    'no-check.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - no_check:\n      register: r\n    - debug: { msg: "{{ r.msg }}" }\n',
    'roles/r1/library/role_mod.py': NEW_NAME,
    'roles/r1/tasks/main.yml': '- role_mod: { greeting: from-role }\n',
    'role.yml': '- hosts: localhost\n  gather_facts: false\n  roles: [r1]\n',
    'elsewhere/far_mod.py': NEW_NAME,
    'far.yml': '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - far_mod: { greeting: far }\n',
    'builtin.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - known_hosts: { path: "{{ out }}/known_hosts", name: example.org, key: "example.org ${'ssh-ed25519'} AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" }
      register: added
    - ansible.builtin.known_hosts: { path: "{{ out }}/known_hosts", name: example.org, state: absent }
      register: removed
    - debug: { msg: "{{ added.changed }} {{ removed.changed }} {{ added.hash_host }}" }
`,
    'pb.yml': PLAYBOOK, 'bad.yml': BAD_ARGUMENT, 'looped.yml': LOOPED });
});

describe('a module playbook does not carry', () => {
  test('an ansible.builtin module playbook has no native version of (known_hosts) runs from the controller\'s ansible-core, as under ansible-playbook', async () => {
    const { createModuleRegistry } = await import('../../src/executor/run.js');
    expect(createModuleRegistry().get('known_hosts')).toBeUndefined();
    const [a, b] = [outDir(dir, 'builtin-ansible'), outDir(dir, 'builtin-ours')];
    const theirs = await ansible(dir, 'builtin.yml', a);
    const mine = await ours(dir, 'builtin.yml', b);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(hostLines(mine.stdout)).toEqual(hostLines(theirs.stdout));
    expect(mine.stdout).toContain('"msg": "True True False"');
    expect(readFileSync(path.join(b, 'known_hosts'), 'utf8')).toBe(readFileSync(path.join(a, 'known_hosts'), 'utf8'));
  }, 120_000);

  test('community.general.ini_file has no native version here (it goes the Python way)', async () => {
    const { createModuleRegistry } = await import('../../src/executor/run.js');
    expect(createModuleRegistry().get('community.general.ini_file')).toBeUndefined();
    expect(createModuleRegistry().get('ini_file')).toBeUndefined();
  });

  test('changed on the first run, ok on the second, the same files and recap as ansible-playbook', async () => {
    const [a, b] = [outDir(dir, 'first-ansible'), outDir(dir, 'first-ours')];
    for (const round of [1, 2]) {
      const theirs = await ansible(dir, 'pb.yml', a);
      const mine = await ours(dir, 'pb.yml', b);
      expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
      expect(mine.code, mine.stdout + mine.stderr).toBe(0);
      expect(recapLine(mine.stdout, 'localhost')).toBe(recapLine(theirs.stdout, 'localhost'));
      expect(recapLine(mine.stdout, 'localhost')).toMatch(round === 1 ? /ok=3 +changed=2 / : /ok=3 +changed=0 /);
      expect(hostLines(mine.stdout)).toEqual(hostLines(theirs.stdout).map((l) => l.replaceAll(a, b)));
      expect(mine.stdout).toContain(round === 1 ? '"msg": "written / section and option added"' : '"msg": "unchanged / OK"');
    }
    for (const file of ['mine.txt', 'conf.ini']) expect(readFileSync(path.join(b, file), 'utf8')).toBe(readFileSync(path.join(a, file), 'utf8'));
    expect(readFileSync(path.join(b, 'conf.ini'), 'utf8')).toBe('\n[main]\ncolor = blue\n'); // ini_file starts a new file with an empty line, under Ansible too
  }, 120_000);

  test('--check reports the change and changes nothing, as ansible-playbook', async () => {
    const [a, b] = [outDir(dir, 'check-ansible'), outDir(dir, 'check-ours')];
    const theirs = await ansible(dir, 'pb.yml', a, ['--check', '--diff']);
    const mine = await ours(dir, 'pb.yml', b, ['--check', '--diff']);
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(recapLine(mine.stdout, 'localhost')).toBe(recapLine(theirs.stdout, 'localhost'));
    expect(recapLine(mine.stdout, 'localhost')).toMatch(/changed=2 /);
    expect(existsSync(path.join(b, 'mine.txt')) || existsSync(path.join(b, 'conf.ini'))).toBe(false);
    // The module's own diff, shown under --diff.
    expect(mine.stdout).toContain('+hello');
    expect(mine.stdout).toContain('+color = blue');
    // A module without check mode support answers for itself.
    const [noTheirs, noMine] = [await ansible(dir, 'no-check.yml', a, ['--check']), await ours(dir, 'no-check.yml', b, ['--check'])];
    expect(recapLine(noMine.stdout, 'localhost')).toBe(recapLine(noTheirs.stdout, 'localhost'));
    expect(hostLines(noMine.stdout)).toEqual(hostLines(noTheirs.stdout));
    expect(noMine.stdout).toContain('"msg": "remote module (no_check) does not support check mode"');
  }, 120_000);

  test("a bad argument fails with the module's own message, as under ansible-playbook", async () => {
    const out = outDir(dir, 'bad');
    const theirs = await ansible(dir, 'bad.yml', out);
    const mine = await ours(dir, 'bad.yml', out);
    expect(theirs.code).toBe(2);
    expect(mine.code).toBe(2);
    const fatal = 'fatal: [localhost]: FAILED! => {"changed": false, "msg": "Unsupported parameters for (my_mod) module: bogus. Supported parameters include: content, path."}';
    expect(hostLines(theirs.stdout)).toEqual([fatal]);
    expect(hostLines(mine.stdout)).toEqual([fatal]);
  }, 120_000);

  test('loops, register, changed_when, no_log and the task environment work on its results', async () => {
    const [a, b] = [outDir(dir, 'loop-ansible'), outDir(dir, 'loop-ours')];
    const theirs = await ansible(dir, 'looped.yml', a);
    const mine = await ours(dir, 'looped.yml', b);
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(recapLine(mine.stdout, 'localhost')).toBe(recapLine(theirs.stdout, 'localhost'));
    expect(hostLines(mine.stdout)).toEqual(hostLines(theirs.stdout).map((l) => l.replaceAll(a, b)));
    expect(mine.stdout).toContain(`"msg": "['written', 'written'] False False from-the-task"`);
    const hidden = await ours(dir, 'looped.yml', outDir(dir, 'loop-hidden'), ['-e', 'hide=true']);
    expect(hidden.stdout).toContain('changed: [localhost] => (item=(censored due to no_log))');
    expect(hidden.stdout).not.toContain('a.txt');
  }, 120_000);

  test('old-style and WANT_JSON modules get an args file; a collection beside the playbook, with a redirect', async () => {
    const out = outDir(dir, 'styles');
    const theirs = await ansible(dir, 'other.yml', out);
    const mine = await ours(dir, 'other.yml', out);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(hostLines(mine.stdout)).toEqual(hostLines(theirs.stdout));
    expect(hostLines(mine.stdout)).toEqual([
      'ok: [localhost]',
      'changed: [localhost]',
      'ok: [localhost]',
      'ok: [localhost]',
    ]);
    const verbose = await ours(dir, 'other.yml', out, ['-v']);
    expect(hostLines(verbose.stdout)).toEqual([
      'ok: [localhost] => {"changed": false, "check": false, "got": 5}',
      'changed: [localhost] => {"changed": true, "x": "a b"}',
      'ok: [localhost] => {"changed": false, "said": "hi from new_name"}',
      'ok: [localhost] => {"changed": false, "said": "hello from new_name"}',
    ]);
    expect(verbose.stdout).toContain(`<localhost> module old_style from ${path.join(dir, 'library', 'old_style.sh')} (`);
  }, 120_000);

  test('module_defaults apply to it, under any of its names', async () => {
    const [a, b] = [outDir(dir, 'defaults-ansible'), outDir(dir, 'defaults-ours')];
    const theirs = await ansible(dir, 'defaults.yml', a);
    const mine = await ours(dir, 'defaults.yml', b);
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(recapLine(mine.stdout, 'localhost')).toBe(recapLine(theirs.stdout, 'localhost'));
    for (const file of ['mine.txt', 'conf.ini']) expect(readFileSync(path.join(b, file), 'utf8')).toBe(readFileSync(path.join(a, file), 'utf8'));
    expect(readFileSync(path.join(b, 'mine.txt'), 'utf8')).toBe('from the defaults\n');
    expect(readFileSync(path.join(b, 'conf.ini'), 'utf8')).toBe('\n[main]\ncolor = red\n');
  }, 120_000);

  test("short names in the play's collections: list", async () => {
    const [a, b] = [outDir(dir, 'coll-ansible'), outDir(dir, 'coll-ours')];
    const theirs = await ansible(dir, 'collections-keyword.yml', a, ['-v']);
    const mine = await ours(dir, 'collections-keyword.yml', b, ['-v']);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(recapLine(mine.stdout, 'localhost')).toBe(recapLine(theirs.stdout, 'localhost'));
    expect(hostLines(mine.stdout)).toEqual(hostLines(theirs.stdout).map((l) => l.replaceAll(a, b)));
    expect(readFileSync(path.join(b, 'conf.ini'), 'utf8')).toBe('\n[main]\ncolor = green\n');
    expect(mine.stdout).toContain('TASK [ini_file]');
    // Outside the play (a role's tasks do not get its list), the short name is unknown.
    const bare = await cli(['validate', 'collections-keyword.yml'], dir, PYTHON_ENV());
    expect(bare.code, bare.stdout + bare.stderr).toBe(0);
    writeFileSync(path.join(dir, 'no-collections.yml'), readFileSync(path.join(dir, 'collections-keyword.yml'), 'utf8').replace('  collections: [acme.tools, community.general]\n', ''));
    const refused = await cli(['validate', 'no-collections.yml'], dir, PYTHON_ENV());
    expect(refused.stdout + refused.stderr).toContain("couldn't resolve module/action 'ini_file'");
  }, 120_000);

  test('-v says which path ran: the module file and the controller ansible-core', async () => {
    const mine = await ours(dir, 'pb.yml', outDir(dir, 'verbose'), ['-v']);
    expect(mine.code).toBe(0);
    const lib = path.join(dir, 'library', 'my_mod.py');
    expect(mine.stdout).toMatch(new RegExp(`^<localhost> python module my_mod from ${lib.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(ansible-core 2\\.19\\.\\d+ at .*/ansible;`, 'm'));
    expect(mine.stdout).toMatch(/^<localhost> python module community\.general\.ini_file from .*\/ansible_collections\/community\/general\/plugins\/modules\/ini_file\.py /m);
    const quiet = await ours(dir, 'pb.yml', outDir(dir, 'quiet'));
    expect(quiet.stdout).not.toContain('python module');
  }, 120_000);

  test('without ansible-core on the controller: a clear error naming the module and what to install', async () => {
    const noAnsible = pythonWithoutAnsible(dir);
    const only = path.join(dir, 'only-library.yml');
    writeFileSync(only, PLAYBOOK.split('    - community.general.ini_file')[0]!);
    const mine = await ours(dir, only, outDir(dir, 'none'), [], { PLAYBOOK_ANSIBLE_PYTHON: noAnsible });
    expect(mine.code).toBe(2);
    expect(mine.stdout).toContain(
      `"msg": "module 'my_mod' (${path.join(dir, 'library', 'my_mod.py')}) is a Python module: running it needs ansible-core on the controller (pip install ansible-core, or set PLAYBOOK_ANSIBLE_PYTHON to a Python that has it; no ansible in ${noAnsible})"`,
    );
    expect(existsSync(path.join(dir, 'none', 'mine.txt'))).toBe(false);
  }, 120_000);
});

describe('the up-front check', () => {
  test('accepts a library module, a collection module, a role library module; ANSIBLE_LIBRARY when set; a misspelt one is still refused', async () => {
    const valid = await cli(['validate', 'pb.yml'], dir, PYTHON_ENV());
    expect(valid.code, valid.stdout + valid.stderr).toBe(0);
    writeFileSync(path.join(dir, 'typo.yml'), PLAYBOOK.replace('- my_mod:', '- my_mdo:'));
    const typo = await cli(['validate', 'typo.yml'], dir, PYTHON_ENV());
    expect(typo.code).not.toBe(0);
    expect(typo.stdout + typo.stderr).toContain("couldn't resolve module/action 'my_mdo'");
    // A role's library/, and ANSIBLE_LIBRARY (only when set).
    expect((await cli(['validate', 'role.yml'], dir, PYTHON_ENV())).code).toBe(0);
    const far = await cli(['validate', 'far.yml'], dir, PYTHON_ENV());
    expect(far.stdout + far.stderr).toContain("couldn't resolve module/action 'far_mod'");
    const farSet = await cli(['run', '-i', 'inventory.ini', 'far.yml', '-v'], dir, { ...PYTHON_ENV(), ANSIBLE_LIBRARY: path.join(dir, 'elsewhere') });
    expect(farSet.code, farSet.stdout + farSet.stderr).toBe(0);
    expect(farSet.stdout).toContain('ok: [localhost] => {"changed": false, "said": "far from new_name"}');
    const role = await cli(['run', '-i', 'inventory.ini', 'role.yml', '-v'], dir, PYTHON_ENV());
    expect(role.stdout).toContain('ok: [localhost] => {"changed": false, "said": "from-role from new_name"}');
    writeFileSync(path.join(dir, 'typo-fq.yml'), PLAYBOOK.replace('community.general.ini_file', 'community.general.ini_fiel'));
    const fq = await cli(['validate', 'typo-fq.yml'], dir, PYTHON_ENV());
    expect(fq.code).not.toBe(0);
    expect(fq.stdout + fq.stderr).toContain("couldn't resolve module/action 'community.general.ini_fiel'");
  }, 60_000);
});

describe("reading a module's output, as Ansible's _parse_returned_data", () => {
  test('junk around the JSON is tolerated; junk after it is a warning', () => {
    const r = moduleResult({ rc: 0, stdout: 'Welcome to node1\n{"changed": true, "x": 1}\ntrailing\n', stderr: '' }, '/usr/bin/python3');
    expect(r).toEqual({ changed: true, x: 1, warnings: ['Module invocation had junk after the JSON data: trailing'] });
  });

  test("no JSON: ansible-core 2.19's failure with the module's stdout, stderr and rc; a missing interpreter is named", () => {
    expect(moduleResult({ rc: 3, stdout: 'hello there\n', stderr: 'oops\n' }, '/usr/bin/python3')).toEqual({
      changed: false, failed: true, msg: 'Module result deserialization failed: No start of json char found', module_stdout: 'hello there\n', module_stderr: 'oops\n', rc: 3,
    });
    expect(moduleResult({ rc: 127, stdout: '', stderr: 'sh: 1: /opt/py/bin/python: not found\n' }, '/opt/py/bin/python')['msg']).toBe("The module interpreter '/opt/py/bin/python' was not found.");
  });

  test('internal keys are dropped; stdout gets stdout_lines; a results that is not a list is renamed', () => {
    expect(moduleResult({ rc: 0, stdout: '{"_ansible_no_log": false, "stdout": "a\\nb", "results": {"k": 1}, "warnings": []}', stderr: '' }, 'python3')).toEqual({
      changed: false, stdout: 'a\nb', stdout_lines: ['a', 'b'], ansible_module_results: { k: 1 },
    });
  });
});
