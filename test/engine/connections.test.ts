/** A transport of the user's own, added with runPlaybook's `connections` option and named by `ansible_connection`. */
import { expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import type { Connection, ConnectionFactory } from '../../src/index.js';
import { project, recapLine, run } from './helpers.js';

/** The local transport, with each command it runs written down. */
class RecorderConnection implements Connection {
  readonly transport = 'recorder';
  readonly commands: string[] = [];
  private readonly local: LocalConnection;

  constructor(readonly host: string) {
    this.local = new LocalConnection(host);
  }

  connect(): Promise<void> {
    return this.local.connect();
  }

  exec(...args: Parameters<LocalConnection['exec']>): ReturnType<LocalConnection['exec']> {
    const [command] = args;
    this.commands.push(typeof command === 'string' ? command : command.join(' '));
    return this.local.exec(...args);
  }

  stat(...args: Parameters<LocalConnection['stat']>): ReturnType<LocalConnection['stat']> {
    return this.local.stat(...args);
  }

  readFile(...args: Parameters<LocalConnection['readFile']>): ReturnType<LocalConnection['readFile']> {
    return this.local.readFile(...args);
  }

  writeFile(...args: Parameters<LocalConnection['writeFile']>): ReturnType<LocalConnection['writeFile']> {
    return this.local.writeFile(...args);
  }

  close(): Promise<void> {
    return this.local.close();
  }
}

const playbook = `- hosts: all
  gather_facts: false
  tasks:
    - name: say hello
      command: echo hello from {{ inventory_hostname }}
      register: hello
    - debug: var=hello.stdout
`;

test('a playbook runs over a transport the user adds by name', async () => {
  const opened: RecorderConnection[] = [];
  const colours: unknown[] = [];
  const recorder: ConnectionFactory = (host, vars) => {
    colours.push(vars('recorder_colour'));
    const conn = new RecorderConnection(host);
    opened.push(conn);
    return conn;
  };
  const dir = project({ 'inventory.ini': 'node1 ansible_connection=recorder recorder_colour=blue\n', 'pb.yml': playbook });
  const ran = await run(dir, 'pb.yml', { connections: { recorder } });
  expect(ran.exitCode).toBe(0);
  expect(ran.output).toContain('TASK [say hello] ***');
  expect(ran.output).toContain('changed: [node1]');
  expect(ran.output).toContain('"hello.stdout": "hello from node1"');
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=2 +changed=1 +unreachable=0 +failed=0/);
  // One connection for the host, made with its variables, that ran the task's command.
  expect(colours).toEqual(['blue']);
  expect(opened.map((c) => c.host)).toEqual(['node1']);
  expect(opened[0]!.commands.some((c) => c.includes('echo hello from node1'))).toBe(true);
});

test('a transport nobody added leaves the host unreachable, naming the ones there are', async () => {
  const dir = project({ 'inventory.ini': 'node1 ansible_connection=nowhere\n', 'pb.yml': playbook });
  const ran = await run(dir, 'pb.yml', { connections: { recorder: (host) => new RecorderConnection(host) } });
  expect(ran.exitCode).toBe(4);
  expect(ran.output).toContain("fatal: [node1]: UNREACHABLE! => {\"changed\": false, \"msg\": \"the connection plugin 'nowhere' is not available (known: local, ssh, paramiko, smart, docker, recorder)\", \"unreachable\": true}");
  expect(recapLine(ran.output, 'node1')).toMatch(/ok=0 +changed=0 +unreachable=1 +failed=0/);
});

test("the variables the connection adds to a task's (ansible_host, ...) do not choose the connection: a transport sees only those set", async () => {
  const seen: unknown[] = [];
  const recorder: ConnectionFactory = (host, vars) => {
    seen.push([vars('ansible_host'), vars('ansible_docker_host'), vars('ansible_timeout')]);
    return new RecorderConnection(host);
  };
  const dir = project({
    'inventory.ini': 'node1 ansible_connection=recorder ansible_docker_host=box\n',
    'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo "{{ ansible_host }}"\n      register: r\n    - assert: {that: [r.stdout == "node1"]}\n',
  });
  const ran = await run(dir, 'pb.yml', { connections: { recorder } });
  expect(ran.exitCode).toBe(0);
  // ansible_timeout comes from ansible.cfg's default (10), not from the task's variables.
  expect(seen).toEqual([[undefined, 'box', 10]]);
});
