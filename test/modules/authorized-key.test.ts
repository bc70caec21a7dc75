/**
 * authorized_key's planner on its own: the file's text and the wanted keys in, the text Ansible's
 * module would write out. Each expected result below was produced by ansible.posix 2.1's
 * authorized_key (its enforce_state with the file read and written stubbed, in check and diff mode)
 * on the same input, so a difference here is a difference from Ansible.
 */
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { project, recapLine, run } from '../engine/helpers.js';
import { RecordingConnection } from '../support/recording-connection.js';
import { type WantedKeys, parseKeyFile, parseKeyLine, parseKeyOptions, planAuthorizedKeys, pySplitLines } from '../../src/modules/support/authorized-keys.js';

const CASES: { name: string; existing: string; wanted: WantedKeys; expected: { changed: boolean; content: string } | { error: string } }[] = [
  {
    name: "adds a key to an empty file",
    existing: "",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice@laptop", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "ssh-ed25519 AAAAC3one alice@laptop\n"},
  },
  {
    name: "leaves a file that has the key alone, comments and blank lines included",
    existing: "# managed keys\n\n\nssh-ed25519 AAAAC3one alice@laptop\nssh-rsa AAAAB3two bob\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice@laptop", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": false, "content": "# managed keys\n\n\nssh-ed25519 AAAAC3one alice@laptop\nssh-rsa AAAAB3two bob\n"},
  },
  {
    name: "a changed comment moves the key to the end; repeated blank lines become one",
    existing: "# managed keys\n\n\nssh-ed25519 AAAAC3one alice@laptop\nssh-rsa AAAAB3two bob\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice@desktop", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "# managed keys\n\nssh-rsa AAAAB3two bob\nssh-ed25519 AAAAC3one alice@desktop\n"},
  },
  {
    name: "a key without a comment is written with a trailing space",
    existing: "ssh-rsa AAAAB3two bob\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "ssh-rsa AAAAB3two bob\nssh-ed25519 AAAAC3one \n"},
  },
  {
    name: "options compare as a mapping: another order is the same key",
    existing: "from=\"10.0.0.1,10.0.0.2\",no-port-forwarding ssh-ed25519 AAAAC3one alice\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice", "state": "present", "keyOptions": "no-port-forwarding,from=\"10.0.0.1,10.0.0.2\"", "exclusive": false, "comment": null},
    expected: {"changed": false, "content": "from=\"10.0.0.1,10.0.0.2\",no-port-forwarding ssh-ed25519 AAAAC3one alice\n"},
  },
  {
    name: "key_options added to an existing key",
    existing: "ssh-ed25519 AAAAC3one alice\nssh-rsa AAAAB3two bob\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice", "state": "present", "keyOptions": "no-pty,command=\"/usr/bin/uptime\"", "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "ssh-rsa AAAAB3two bob\nno-pty,command=\"/usr/bin/uptime\" ssh-ed25519 AAAAC3one alice\n"},
  },
  {
    name: "exclusive keeps only the given keys, in their order",
    existing: "# header\nssh-rsa AAAAB3two bob\nssh-ed25519 AAAAC3one alice\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice\n\n# a comment in the key text\nssh-ed25519 AAAAC3three carol\n", "state": "present", "keyOptions": null, "exclusive": true, "comment": null},
    expected: {"changed": true, "content": "ssh-ed25519 AAAAC3one alice\nssh-ed25519 AAAAC3three carol\n"},
  },
  {
    name: "exclusive with the file already exactly so",
    existing: "ssh-ed25519 AAAAC3one alice\nssh-ed25519 AAAAC3three carol\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice\nssh-ed25519 AAAAC3three carol", "state": "present", "keyOptions": null, "exclusive": true, "comment": null},
    expected: {"changed": false, "content": "ssh-ed25519 AAAAC3one alice\nssh-ed25519 AAAAC3three carol\n"},
  },
  {
    name: "absent removes the key whatever its comment",
    existing: "ssh-rsa AAAAB3two bob\nno-pty ssh-ed25519 AAAAC3one alice\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one other", "state": "absent", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "ssh-rsa AAAAB3two bob\n"},
  },
  {
    name: "absent of a key not there changes nothing",
    existing: "ssh-rsa AAAAB3two bob\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice", "state": "absent", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": false, "content": "ssh-rsa AAAAB3two bob\n"},
  },
  {
    name: "an invalid key fails",
    existing: "",
    wanted: {"key": "not-a-key AAAA", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"error": "invalid key specified: not-a-key AAAA"},
  },
  {
    name: "a key listed twice keeps one line when the file is rewritten",
    existing: "ssh-rsa AAAAB3two bob\nssh-rsa AAAAB3two bob\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "ssh-rsa AAAAB3two bob\nssh-ed25519 AAAAC3one alice\n"},
  },
  {
    name: "a last line without a newline",
    existing: "ssh-rsa AAAAB3two bob",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "ssh-rsa AAAAB3two bob\nssh-ed25519 AAAAC3one alice\n"},
  },
  {
    name: "the comment option overrides the key's comment",
    existing: "ssh-ed25519 AAAAC3one alice\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice", "state": "present", "keyOptions": null, "exclusive": false, "comment": "deploy key"},
    expected: {"changed": true, "content": "ssh-ed25519 AAAAC3one deploy key\n"},
  },
  {
    name: "an escaped hash in the key text",
    existing: "",
    wanted: {"key": "ssh-ed25519 AAAAC3one build \\#42", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "ssh-ed25519 AAAAC3one build #42\n"},
  },
  {
    name: "several keys, some there",
    existing: "ssh-rsa AAAAB3two bob\n",
    wanted: {"key": "ssh-ed25519 AAAAC3one alice\nssh-rsa AAAAB3two bob\nsk-ssh-ed25519@openssh.com AAAAGnNr four", "state": "present", "keyOptions": null, "exclusive": false, "comment": null},
    expected: {"changed": true, "content": "ssh-rsa AAAAB3two bob\nssh-ed25519 AAAAC3one alice\nsk-ssh-ed25519@openssh.com AAAAGnNr four\n"},
  },
];

describe('planAuthorizedKeys, as ansible.posix.authorized_key decides', () => {
  test.each(CASES)('$name', ({ existing, wanted, expected }) => {
    expect(planAuthorizedKeys(wanted, existing)).toEqual(expected);
  });
});

describe('the parts', () => {
  test('key options split on commas outside quotes, flags without a value', () => {
    expect(parseKeyOptions('no-pty,from="10.0.0.1,10.0.0.2",command="echo a,b"')).toEqual([
      ['no-pty', null],
      ['from', '"10.0.0.1,10.0.0.2"'],
      ['command', '"echo a,b"'],
    ]);
    expect(parseKeyOptions(null)).toEqual([]);
  });

  test('a line: options, type, key and comment; a comment line is kept; no key type is no key', () => {
    expect(parseKeyLine('no-pty ssh-ed25519 AAAAC3one alice at home\n', 3)).toEqual({ kind: 'key', type: 'ssh-ed25519', key: 'AAAAC3one', options: [['no-pty', null]], comment: 'alice at home', rank: 3 });
    expect(parseKeyLine('# ssh-ed25519 AAAAC3one\n', 0)).toEqual({ kind: 'kept', line: '# ssh-ed25519 AAAAC3one\n', rank: 0 });
    expect(parseKeyLine('hello world', 0)).toBeNull();
    expect(parseKeyLine('ssh-ed25519', 0)).toBeNull();
  });

  test('the file keyed by key: a repeated key keeps its first place and its last line', () => {
    const entries = parseKeyFile('ssh-rsa AAAA one\n\nssh-rsa AAAA two\n\n');
    expect([...entries.keys()]).toEqual(['AAAA', '\n']);
    expect(entries.get('AAAA')).toMatchObject({ comment: 'two', rank: 2 });
  });

  test("Python's splitlines", () => {
    expect(pySplitLines('a\r\nb\rc\n', true)).toEqual(['a\r\n', 'b\r', 'c\n']);
    expect(pySplitLines('a\n\nb', false)).toEqual(['a', '', 'b']);
  });
});

describe('round trips', () => {
  test('a key already there costs one round trip (the fact), the write one more', async () => {
    const user = userInfo().username;
    const dir = project({
      'inventory.ini': 'node1 ansible_connection=recorder\n',
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - authorized_key: { user: ${user}, key: "ssh-ed25519 AAAAC3one alice", path: "{{ playbook_dir }}/keys/authorized_keys", manage_dir: false }
`,
    });
    const opened: RecordingConnection[] = [];
    const connections = { recorder: (host: string): RecordingConnection => opened[opened.push(new RecordingConnection(new LocalConnection(host))) - 1]! };
    const first = await run(dir, 'pb.yml', { connections });
    expect(recapLine(first.output, 'node1')).toMatch(/ok=1 +changed=1 /);
    expect(opened[0]!.calls.map((c) => c.op)).toEqual(['exec', 'exec']);
    const file = path.join(dir, 'keys', 'authorized_keys');
    expect(readFileSync(file, 'utf8')).toBe('ssh-ed25519 AAAAC3one alice\n');
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    const again = await run(dir, 'pb.yml', { connections });
    expect(recapLine(again.output, 'node1')).toMatch(/ok=1 +changed=0 /);
    expect(opened[1]!.calls.map((c) => c.op)).toEqual(['exec']);
  });
});
