/** The command line as a user types it: ansible.cfg, listing options, JSON events, inventory output. */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadAnsibleConfig } from '../../src/config/ansible-cfg.js';
import { ansibleVenv } from '../support/ansible.js';
import { LOCAL_INVENTORY, cli, project } from './helpers.js';

const playbook = `
- name: first play
  hosts: all
  gather_facts: false
  tags: [setup]
  tasks:
    - name: prepare
      command: "true"
      tags: [prep]
    - name: deploy
      debug: msg=deploy
`;

describe('ansible.cfg', () => {
  test('found in the working directory, ANSIBLE_* variables win', () => {
    const dir = project({ 'ansible.cfg': '[defaults]\ninventory = hosts.ini\nroles_path = my_roles:/opt/roles\nforks = 12\nhost_key_checking = False\nremote_user = deploy\ntimeout = 30\n\n[privilege_escalation]\nbecome = true\n' });
    const cfg = loadAnsibleConfig(dir, {});
    expect(cfg).toMatchObject({
      file: path.join(dir, 'ansible.cfg'),
      inventory: [path.join(dir, 'hosts.ini')],
      rolesPath: [path.join(dir, 'my_roles'), '/opt/roles'],
      forks: 12,
      hostKeyChecking: false,
      remoteUser: 'deploy',
      timeout: 30,
      become: true,
    });
    expect(loadAnsibleConfig(dir, { ANSIBLE_FORKS: '3', ANSIBLE_HOST_KEY_CHECKING: 'True' })).toMatchObject({ forks: 3, hostKeyChecking: true });
    const other = project({ 'elsewhere.cfg': '[defaults]\nforks = 7\n' });
    expect(loadAnsibleConfig(dir, { ANSIBLE_CONFIG: path.join(other, 'elsewhere.cfg') }).forks).toBe(7);
  });

  test('ansible_config_file names the ansible.cfg read; ansible_playbook_python is the Python ansible-playbook on PATH runs with', async () => {
    const dir = project({
      'ansible.cfg': '[defaults]\n',
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': '- hosts: node1\n  gather_facts: false\n  tasks:\n    - debug: msg="{{ ansible_config_file }} {{ ansible_playbook_python }}"\n',
    });
    const venvBin = path.join(ansibleVenv(), 'bin');
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir, { PATH: `${venvBin}:${process.env['PATH'] ?? ''}` });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`"msg": "${path.join(dir, 'ansible.cfg')} ${path.join(venvBin, 'python3')}"`);
  }, 30_000);

  test('the run uses the inventory named in ansible.cfg', async () => {
    const dir = project({ 'ansible.cfg': '[defaults]\ninventory = hosts.ini\n', 'hosts.ini': LOCAL_INVENTORY, 'pb.yml': playbook });
    const r = await cli(['run', 'pb.yml'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/node2 +: ok=2 /);
  }, 30_000);
});

describe('become from the command line and ansible.cfg', () => {
  const whoami = `
- hosts: node1
  gather_facts: false
  tasks:
    - command: id -un
      register: who
    - command: id -un
      become: false
      register: not_become
    - debug: msg="{{ who.stdout }} {{ not_become.stdout }}"
`;
  test('-b and --become-user apply to tasks without become keywords; ansible.cfg [privilege_escalation] too', async () => {
    const dir = project({ 'hosts.ini': LOCAL_INVENTORY, 'pb.yml': whoami });
    const plain = await cli(['run', '-i', 'hosts.ini', 'pb.yml'], dir);
    expect(plain.stdout).toContain('"msg": "root root"');
    const become = await cli(['run', '-i', 'hosts.ini', '-b', '--become-user', 'nobody', 'pb.yml'], dir);
    expect(become.code).toBe(0);
    expect(become.stdout).toContain('"msg": "nobody root"');
    const configured = project({ 'ansible.cfg': '[privilege_escalation]\nbecome = true\nbecome_user = nobody\n', 'hosts.ini': LOCAL_INVENTORY, 'pb.yml': whoami });
    expect((await cli(['run', '-i', 'hosts.ini', 'pb.yml'], configured)).stdout).toContain('"msg": "nobody root"');
  }, 60_000);
});

describe('listing and checking without running', () => {
  const dir = project({ 'inventory.ini': LOCAL_INVENTORY, 'pb.yml': playbook });

  test('--list-hosts, --list-tasks, --list-tags, --syntax-check', async () => {
    const hosts = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '--list-hosts', '-l', 'node2'], dir);
    expect(hosts.code).toBe(0);
    expect(hosts.stdout).toContain('hosts (1):\n      node2\n');
    const tasks = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '--list-tasks'], dir);
    expect(tasks.stdout).toContain('      prepare\tTAGS: [setup, prep]\n      deploy\tTAGS: [setup]\n');
    const tags = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '--list-tags'], dir);
    expect(tags.stdout).toContain('TASK TAGS: [prep, setup]');
    const syntax = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '--syntax-check'], dir);
    expect(syntax.code).toBe(0);
    expect(syntax.stdout).toContain(`playbook: ${path.join(dir, 'pb.yml')}`);
  }, 60_000);

  test('--start-at-task skips the tasks before it; --json prints one event per line', async () => {
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '--start-at-task', 'deploy', '--json'], dir);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; task?: { name?: string } });
    const started = events.filter((e) => e.type === 'task_start').map((e) => e.task?.name);
    expect(started).toEqual(['deploy']);
    expect(events.at(-1)?.type).toBe('recap');
  }, 30_000);

  test("--limit: a part that matches nothing is warned about; one that leaves no host ends the run before any play, exit 1, as ansible-playbook", async () => {
    const some = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '-l', 'node2,nohost'], dir);
    expect(some.code).toBe(0);
    expect(some.stderr).toContain('[WARNING]: Could not match supplied host pattern, ignoring: nohost');
    expect(some.stdout).toMatch(/^node2 +: ok=2 /m);
    const none = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '-l', 'nohost'], dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('[WARNING]: Could not match supplied host pattern, ignoring: nohost\n[ERROR]: Specified inventory, host pattern and/or --limit leaves us with no hosts to target.\n');
    expect(none.stdout).not.toContain('PLAY');
  }, 30_000);

  test('inventory --list, --graph and --host', async () => {
    const list = await cli(['inventory', '-i', 'inventory.ini', '--list'], dir);
    expect(JSON.parse(list.stdout)).toMatchObject({ all: { children: ['ungrouped'] }, ungrouped: { hosts: ['node1', 'node2'] } });
    const graph = await cli(['inventory', '-i', 'inventory.ini', '--graph'], dir);
    expect(graph.stdout).toBe('@all:\n  |--@ungrouped:\n  |  |--node1\n  |  |--node2\n');
    const host = await cli(['inventory', '-i', 'inventory.ini', '--host', 'node1'], dir);
    expect(JSON.parse(host.stdout)).toEqual({ ansible_connection: 'local' });
  }, 60_000);
});

describe('output identical to the Ansible tools', () => {
  test('playbook inventory --list prints what ansible-inventory --list prints', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { ansibleVenv } = await import('../support/ansible.js');
    const { ROOT } = await import('./helpers.js');
    const empty = project({});
    for (const fixture of ['ini-basic', 'yaml-basic']) {
      const source = path.join(ROOT, 'test', 'inventory', 'fixtures', fixture);
      const { readdirSync } = await import('node:fs');
      const inv = path.join(source, readdirSync(source).find((f) => /\.(ini|ya?ml)$|^hosts/.test(f)) ?? '');
      const reference = await promisify(execFile)(path.join(ansibleVenv(), 'bin', 'ansible-inventory'), ['-i', inv, '--list'], {
        cwd: empty,
        env: { ...process.env, ANSIBLE_CONFIG: path.join(empty, 'none.cfg'), ANSIBLE_NOCOLOR: '1' },
      });
      const ours = await cli(['inventory', '-i', inv, '--list'], empty);
      expect(ours.stdout, fixture).toBe(reference.stdout);
    }
  }, 60_000);

  test('--diff prints a unified diff of a changed file', async () => {
    const dir = project({
      'inventory.ini': 'node1 ansible_connection=local\n',
      'pb.yml': '- hosts: node1\n  gather_facts: false\n  tasks:\n    - lineinfile: {path: "{{ playbook_dir }}/app.conf", regexp: "^port=", line: "port=8080"}\n',
      'app.conf': 'name=ray\nport=80\n',
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '--diff'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`--- before: ${path.join(dir, 'app.conf')} (content)\n+++ after: ${path.join(dir, 'app.conf')} (content)\n@@ -1,2 +1,2 @@\n name=ray\n-port=80\n+port=8080\n`);
  }, 30_000);
});
