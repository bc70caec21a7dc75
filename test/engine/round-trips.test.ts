/**
 * What a run costs on the host, counted on a recording transport: an idempotent re-run of
 * lineinfile is one round trip, and a fact is read once for the run until a module changes the
 * host.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { defineFact } from '../../src/facts/index.js';
import { defineModule } from '../../src/modules/define.js';
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

test('an idempotent re-run of lineinfile costs one round trip', async () => {
  const dir = project({
    'inventory.ini': 'node1 ansible_connection=recorder\n',
    'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - lineinfile: { path: "{{ playbook_dir }}/env", line: "NCCL_SOCKET_IFNAME=eno1", create: true, mode: "0640" }
`,
  });
  const first = recorder();
  expect((await run(dir, 'pb.yml', { connections: first.connections })).exitCode).toBe(0);
  expect(readFileSync(path.join(dir, 'env'), 'utf8')).toBe('NCCL_SOCKET_IFNAME=eno1\n');
  const again = recorder();
  const ran = await run(dir, 'pb.yml', { connections: again.connections });
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=1 +changed=0 /);
  expect(again.opened[0]!.calls).toEqual([{ op: 'stat', target: path.join(dir, 'env') }]);
});

test('a fact is read once for the run, and again after a module changed the host', async () => {
  const stamp = defineFact({ name: 'stamp', command: 'cat "$1" 2>/dev/null || echo none', parse: (stdout: string, _file: string) => stdout.trim() });
  const readStamp = defineModule({
    name: 'read_stamp',
    supportsCheckMode: true,
    spec: { options: { file: { type: 'path', required: true } } },
    async run(args, ctx) {
      return { changed: false, stamp: await ctx.facts.get(stamp, args.file) };
    },
  });
  const dir = project({
    'inventory.ini': 'node1 ansible_connection=recorder\n',
    'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - { read_stamp: { file: "{{ playbook_dir }}/stamp" }, register: a }
    - { read_stamp: { file: "{{ playbook_dir }}/stamp" }, register: b }
    - copy: { content: "one\\n", dest: "{{ playbook_dir }}/stamp" }
    - { read_stamp: { file: "{{ playbook_dir }}/stamp" }, register: c }
    - copy: { content: "{{ [a.stamp, b.stamp, c.stamp] | to_json }}", dest: "{{ playbook_dir }}/seen" }
`,
  });
  const { opened, connections } = recorder();
  const ran = await run(dir, 'pb.yml', { connections, modules: [readStamp] });
  expect(ran.exitCode, ran.output).toBe(0);
  expect(JSON.parse(readFileSync(path.join(dir, 'seen'), 'utf8'))).toEqual(['none', 'none', 'one']);
  expect(opened[0]!.calls.filter((c) => c.op === 'exec' && c.target.includes('cat "$1"'))).toHaveLength(2);
});

test('an idempotent re-run of unarchive (remote_src) costs one round trip: the archive fact', async () => {
  const dir = project({
    'inventory.ini': 'node1 ansible_connection=recorder\n',
    'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - unarchive: { src: "{{ playbook_dir }}/a.tar", dest: "{{ playbook_dir }}/out", remote_src: true }
`,
    'content/f.txt': 'data\n',
  });
  execFileSync('tar', ['-cf', path.join(dir, 'a.tar'), '-C', path.join(dir, 'content'), 'f.txt']);
  mkdirSync(path.join(dir, 'out'));
  expect((await run(dir, 'pb.yml', { connections: recorder().connections })).exitCode).toBe(0);
  expect(readFileSync(path.join(dir, 'out', 'f.txt'), 'utf8')).toBe('data\n');
  const again = recorder();
  const ran = await run(dir, 'pb.yml', { connections: again.connections });
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=1 +changed=0 /);
  expect(again.opened[0]!.roundTrips).toBe(1);
});
