/**
 * wait_for on lab nodes: the wait runs on the node as one program with its own deadline. A port
 * that a background process opens later, a file that appears holding a regex match (groups come
 * back), a port that never opens (Ansible's message, after the timeout), a port that stops, a port
 * whose connections drain, check mode (skipped, as in Ansible), bad arguments, and the same tasks
 * under ansible-playbook on the other node giving the same recap and return values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

/** Starts a shell command in the background on a node (docker exec, not through the engine). */
const background = async (node: string, command: string): Promise<void> => {
  const r = await lab.lab.exec(node, ['/bin/sh', '-c', `(${command}) >/dev/null 2>&1 & echo started`]);
  expect(r.stdout).toContain('started');
};

beforeAll(async () => {
  lab = await startModuleLab('wfor');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('wait_for', () => {
  it('waits for a port that a process opens later, and for a file holding a regex match', async () => {
    expect((await lab.sh('node2', 'grep -c ":1B59 " /proc/net/tcp; test -e /tmp/wf-ready; echo $?')).stdout).toBe('0\n1\n');
    await background('node2', 'sleep 2; exec nc -lk -p 7001');
    await background('node2', 'sleep 2; echo "ready on port 7001, build 42" > /tmp/wf-ready');
    const run = await lab.play(
      `    - wait_for: { port: 7001, timeout: 60 }
      register: port
    - wait_for: { path: /tmp/wf-ready, search_regex: 'port (?P<port>\\d+), build (\\d+)', timeout: 60 }
      register: file
`,
      { hosts: 'node2', dump: ['port', 'file'], become: false },
    );
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ ok: 3, changed: 0, failed: 0 });
    const { port, file } = run.registered('node2');
    expect(port).toMatchObject({ changed: false, state: 'started', port: 7001, path: null, search_regex: null, match_groups: [], match_groupdict: {} });
    expect(file).toMatchObject({ changed: false, state: 'file', path: '/tmp/wf-ready', match_groups: ['7001', '42'], match_groupdict: { port: '7001' }, owner: 'root', mode: '0644', size: 29 });
    expect((await lab.sh('node2', 'grep -c ":1B59 00000000:0000 0A" /proc/net/tcp')).stdout).toBe('1\n');
  }, 300_000);

  it('fails with Ansible\'s message when the port never opens, only once the timeout has passed', async () => {
    const run = await lab.play(
      `    - wait_for: { port: 7999, timeout: 3 }
      register: closed
      ignore_errors: true
    - wait_for: { host: 127.0.0.1, port: 7999, timeout: 2, msg: the service did not come up }
      register: custom
      ignore_errors: true
    - wait_for: { path: /tmp/never, search_regex: done, timeout: 2 }
      register: never
      ignore_errors: true
`,
      { hosts: 'node2', dump: ['closed', 'custom', 'never'] },
    );
    expect(run.recap('node2')).toMatchObject({ failed: 0, ignored: 3 });
    const { closed, custom, never } = run.registered('node2');
    expect(closed).toMatchObject({ failed: true, msg: 'Timeout when waiting for 127.0.0.1:7999' });
    expect(closed.elapsed).toBeGreaterThanOrEqual(3);
    expect(custom).toMatchObject({ failed: true, msg: 'the service did not come up' });
    expect(never).toMatchObject({ failed: true, msg: 'Timeout when waiting for search string done in /tmp/never' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Timeout when waiting for 127\.0\.0\.1:7999/);
  }, 300_000);

  it('waits for a port to stop, and for its connections to drain', async () => {
    await background('node2', 'exec timeout 3 nc -lk -p 7003');
    await background('node2', 'exec nc -lk -p 7004');
    await lab.sh('node2', 'for i in $(seq 100); do grep -q ":1B5C " /proc/net/tcp && exit 0; sleep 0.1; done; exit 1');
    // A client holds a connection to 7004 until it is killed.
    await background('node2', 'exec sleep 600 | nc 127.0.0.1 7004');
    await lab.sh('node2', 'for i in $(seq 100); do grep -q ":1B5C [0-9A-F:]* 01" /proc/net/tcp && exit 0; sleep 0.1; done; exit 1');
    const held = await lab.play(`    - wait_for: { port: 7004, host: 0.0.0.0, state: drained, timeout: 2 }\n      register: held\n      ignore_errors: true\n`, { hosts: 'node2', dump: ['held'] });
    expect(held.registered('node2')['held']).toMatchObject({ failed: true, msg: 'Timeout when waiting for 0.0.0.0:7004 to drain' });
    await lab.sh('node2', 'pkill -f "nc 127.0.0.1 7004"; true');
    const run = await lab.play(
      `    - wait_for: { port: 7003, state: stopped, timeout: 60 }
      register: stopped
    - wait_for: { port: 7004, host: 0.0.0.0, state: drained, active_connection_states: [ESTABLISHED], timeout: 60 }
      register: drained
`,
      { hosts: 'node2', dump: ['stopped', 'drained'] },
    );
    expect(run.code, run.stdout).toBe(0);
    expect(run.registered('node2')['stopped']).toMatchObject({ changed: false, state: 'stopped', port: 7003 });
    expect(run.registered('node2')['drained']).toMatchObject({ changed: false, state: 'drained', port: 7004 });
    // Nothing listens on 7003 any more (the probes' own TIME_WAIT entries may remain: only LISTEN, state 0A, counts).
    expect((await lab.sh('node2', `awk '$2 ~ /:1B5B$/ && $4 == "0A"' /proc/net/tcp | wc -l`)).stdout).toBe('0\n');
  }, 300_000);

  it('is skipped in check mode, and refuses arguments Ansible refuses', async () => {
    const checked = await lab.play(`    - wait_for: { port: 7999, timeout: 30 }\n`, { hosts: 'node2', args: ['--check'] });
    expect(checked.recap('node2')).toMatchObject({ skipped: 1, failed: 0 });
    const run = await lab.play(
      `    - wait_for: { port: 22, path: /etc/hosts }
      ignore_errors: true
      register: both
    - wait_for: { path: /etc/hosts, search_regex: '(unclosed' }
      ignore_errors: true
      register: regex
`,
      { hosts: 'node2', dump: ['both', 'regex'] },
    );
    expect(run.registered('node2')['both']).toMatchObject({ failed: true, msg: 'port and path parameter can not both be passed to wait_for', elapsed: 0 });
    expect(run.registered('node2')['regex']).toMatchObject({ failed: true, msg: 'Invalid regular expression: missing ), unterminated subpattern at position 0' });
  }, 300_000);

  it('gives what ansible-playbook gives: the same recaps and return values on two nodes', async () => {
    for (const node of ['node1', 'node2']) await lab.sh(node, 'printf "state: up\\nworkers=3\\n" > /tmp/wf-status; rm -f /tmp/wf-gone');
    const tasks = `    - wait_for: { path: /tmp/wf-status, search_regex: '^workers=(?P<n>\\d+)$' }
      register: file
    - wait_for: { port: 22, timeout: 10 }
      register: ssh
    - wait_for: { port: 7999, timeout: 2 }
      register: closed
      ignore_errors: true
    - wait_for: { port: 7999, state: stopped }
      register: stopped
    - wait_for: { path: /tmp/wf-gone, state: absent }
      register: absent
    - wait_for: { path: /tmp/wf-status, state: present }
      register: present
`;
    const keys = ['file', 'ssh', 'closed', 'stopped', 'absent', 'present'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (r: Record<string, unknown>): Record<string, unknown> => {
      const { elapsed: _elapsed, exception: _exception, ...rest } = r;
      return rest;
    };
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
  }, 300_000);
});
