/**
 * What the package modules cost when there is nothing to do, counted on a recording transport over
 * this machine: apt with an installed package, and pip with what its pip has, are each one round
 * trip (the fact), and nothing is installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { RecordingConnection } from '../support/recording-connection.js';
import { project, recapLine, run } from './helpers.js';

function recorder(): { opened: RecordingConnection[]; connections: { recorder: (host: string) => RecordingConnection } } {
  const opened: RecordingConnection[] = [];
  return {
    opened,
    connections: {
      recorder: (host) => {
        const conn = new RecordingConnection(new LocalConnection(host));
        opened.push(conn);
        return conn;
      },
    },
  };
}

test.skipIf(!existsSync('/usr/bin/apt-get') || !existsSync('/usr/bin/dpkg-query'))('apt with an installed package, and package_facts, each cost one round trip', async () => {
  const dir = project({
    'inventory.ini': 'node1 ansible_connection=recorder\n',
    'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - apt: { name: [coreutils, "dpkg>=1.0"] }
      register: r
    - assert: { that: [r is not changed] }
`,
  });
  const rec = recorder();
  const ran = await run(dir, 'pb.yml', { connections: rec.connections });
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=2 +changed=0 +unreachable=0 +failed=0/);
  expect(rec.opened[0]!.calls.map((c) => c.op), rec.opened[0]!.calls.map((c) => c.target.slice(0, 300)).join('\n---\n')).toEqual(['exec']);
});

const pip = (() => {
  try {
    const python = execFileSync('python3', ['-c', 'import sys, pip; print(sys.executable)'], { encoding: 'utf8' }).trim();
    const version = execFileSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' }).split(' ')[1]!;
    return { python, version };
  } catch {
    return undefined;
  }
})();

test.skipIf(!pip)('pip with what is installed costs one round trip', async () => {
  const dir = project({
    'inventory.ini': 'node1 ansible_connection=recorder\n',
    'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - pip: { name: ["pip==${pip!.version}", "PIP>=1"], executable: "${pip!.python.replace(/python3?[^/]*$/, 'pip3')}" }
      register: r
    - assert: { that: [r is not changed] }
`,
  });
  const rec = recorder();
  const ran = await run(dir, 'pb.yml', { connections: rec.connections });
  expect(recapLine(ran.output, 'node1'), ran.output).toMatch(/ok=2 +changed=0 +unreachable=0 +failed=0/);
  expect(rec.opened[0]!.calls.map((c) => c.op)).toEqual(['exec']);
});
