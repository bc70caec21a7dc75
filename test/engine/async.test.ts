/**
 * async/poll on the local connection: a job left running returns at once and async_status follows
 * it; a polled job reports ASYNC lines and its result; the time limit ends a job (and its
 * processes); modules that run in the controller are time-limited or refused, with the reason.
 * (test/parity/cases/async_poll compares the same with ansible-playbook, also over ssh.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LOCAL_INVENTORY, project, recapLine, run } from './helpers.js';

const processes = (): string => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });

describe('async tasks', () => {
  test('poll: 0 returns while the job runs; async_status waits for it and gives its result', { timeout: 30_000 }, async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - shell: sleep 2; echo out; echo err >&2; touch {{ playbook_dir }}/done; exit 4
      async: 30
      poll: 0
      register: job
    - stat: { path: "{{ playbook_dir }}/done" }
      register: early
    - async_status: { jid: "{{ job.ansible_job_id }}" }
      register: st
      until: st.finished
      retries: 20
      delay: 1
      ignore_errors: true
    - copy:
        dest: "{{ playbook_dir }}/report"
        content: "{{ [job.started, job.finished, job.changed, early.stat.exists, st.finished, st.rc, st.stdout, st.stderr, st.failed, st.cmd] | to_json }}"
`,
    });
    const ran = await run(dir);
    expect(recapLine(ran.output, 'localhost')).toMatch(/ok=4\s+changed=3\s+unreachable=0\s+failed=0\s+skipped=0\s+rescued=0\s+ignored=1/);
    expect(JSON.parse(readFileSync(path.join(dir, 'report'), 'utf8'))).toEqual([true, false, true, false, true, 4, 'out', 'err', true, 'sleep 2; echo out; echo err >&2; touch ' + dir + '/done; exit 4']);
    expect(ran.output).toMatch(/FAILED - RETRYING: \[localhost\]: async_status/);
  });

  test('poll above 0 waits, printing the ASYNC lines; the time limit ends the job and everything it started', { timeout: 30_000 }, async () => {
    const marker = `${Math.floor(Math.random() * 1e6) + 1000}.5`;
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - command: sh -c "sleep 1.5; echo finished"
      async: 10
      poll: 1
      register: quick
    - shell: sleep ${marker} & sleep ${marker}
      async: 2
      poll: 4
      register: slow
      ignore_errors: true
    - copy: { dest: "{{ playbook_dir }}/report", content: "{{ [quick.stdout, quick.finished, slow.msg, slow.finished] | to_json }}" }
`,
    });
    const ran = await run(dir);
    expect(JSON.parse(readFileSync(path.join(dir, 'report'), 'utf8'))).toEqual(['finished', true, 'Timeout exceeded', true]);
    expect(ran.output).toMatch(/ASYNC POLL on localhost: jid=j\d+\.\d+ started=True finished=False\nASYNC OK on localhost: jid=j\d+\.\d+\n/);
    expect(ran.output).toMatch(/ASYNC FAILED on localhost: jid=j\d+\.\d+\n/);
    // "Timeout exceeded" is only reported once the job's process group is gone.
    expect(processes()).not.toContain(`sleep ${marker}`);
  });

  test('modules that run in the controller: poll 0 goes on in the controller and async_status follows it, poll above 0 limits their time', { timeout: 30_000 }, async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - lineinfile: { line: "x", path: "{{ playbook_dir }}/edited", create: true }
      async: 5
      poll: 0
      register: started
    - async_status: { jid: "{{ started.ansible_job_id }}" }
      register: job
      until: job is finished
      retries: 50
      delay: 0.1
    - wait_for: { timeout: 5 }
      async: 1
      poll: 1
      ignore_errors: true
    - lineinfile: { line: "y", path: "{{ playbook_dir }}/edited", create: true }
      async: 5
      poll: 1
      register: polled
    - async_status: { jid: j1.1 }
      ignore_errors: true
`,
    });
    const ran = await run(dir);
    expect(ran.output).toMatch(/TASK \[async_status\] \*+\n(?:FAILED - RETRYING: .*\n)*changed: \[localhost\]\n/);
    expect(ran.output).toContain('"msg": "async task did not complete within the requested time - 1s"');
    expect(ran.output).toMatch(/"ansible_job_id": "j1.1", "changed": false, "finished": true, "msg": "could not find job"/);
    expect(readFileSync(path.join(dir, 'edited'), 'utf8')).toBe('x\ny\n');
    expect(recapLine(ran.output, 'localhost')).toMatch(/ok=5\s+changed=3\s+unreachable=0\s+failed=0\s+skipped=0\s+rescued=0\s+ignored=2/);
  });

  test("an action plugin that refuses async (copy, script, debug, ...) fails the task in Ansible's words, before checking its arguments", { timeout: 30_000 }, async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - copy: { content: "x", dest: "{{ playbook_dir }}/copied" }
      async: 5
      poll: 1
      register: copied
      ignore_errors: true
    - script: /some/script.sh
      async: 2
      register: scripted
      ignore_errors: true
    - debug: { msg: hi }
      async: 0
      register: debugged
    - copy: { dest: "{{ playbook_dir }}/report", content: "{{ [copied.msg, scripted.msg, debugged.msg] | to_json }}" }
`,
    });
    const ran = await run(dir);
    expect(recapLine(ran.output, 'localhost')).toMatch(/ok=4\s+changed=1\s+unreachable=0\s+failed=0\s+skipped=0\s+rescued=0\s+ignored=2/);
    expect(JSON.parse(readFileSync(path.join(dir, 'report'), 'utf8'))).toEqual(['This action (copy) does not support async.', 'This action (script) does not support async.', 'hi']);
    expect(existsSync(path.join(dir, 'copied'))).toBe(false);
  });

  test('async and poll must be whole numbers of seconds', async () => {
    const dir = project({
      'inventory.ini': LOCAL_INVENTORY,
      'pb.yml': `- hosts: localhost
  gather_facts: false
  tasks:
    - command: "true"
      async: "{{ '2.5' }}"
      ignore_errors: true
`,
    });
    const ran = await run(dir);
    expect(ran.output).toContain('async must be a whole number of seconds, got "2.5"');
  });
});
