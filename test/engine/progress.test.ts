/**
 * Long tasks are not silent: the text output says what is still running (plain lines when not a
 * terminal, one status line redrawn in place on a terminal), stops when the task ends, keeps no
 * process alive, and never enters the JSON stream.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { RunEvent, TaskInfo } from '../../src/output/events.js';
import { TextReporter } from '../../src/output/text.js';
import { ROOT, cli, project } from './helpers.js';

const INVENTORY = 'node1 ansible_connection=local\n';
const slow = `
- hosts: all
  gather_facts: false
  tasks:
    - name: wait for the server
      command: sleep 4
    - name: after
      command: "true"
`;
const fast = `
- hosts: all
  gather_facts: false
  tasks:
    - name: quick one
      command: "true"
    - name: quick two
      debug: msg=done
`;
const STILL = /^… still running \((\d+) s\): TASK \[wait for the server\] on node1$/;

describe('not on a terminal: a plain line every PLAYBOOK_PROGRESS_INTERVAL seconds', () => {
  test('a long task gets "still running" lines naming it and the host, and none after it ended', async () => {
    const dir = project({ 'hosts.ini': INVENTORY, 'pb.yml': slow });
    const r = await cli(['run', '-i', 'hosts.ini', 'pb.yml'], dir, { PLAYBOOK_PROGRESS_INTERVAL: '1' });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const beats = lines.filter((l) => l.startsWith('… still running'));
    expect(beats.length).toBeGreaterThanOrEqual(1);
    for (const b of beats) expect(b).toMatch(STILL);
    // All of them between the task's banner and its result; the seconds count up.
    const banner = lines.findIndex((l) => l.startsWith('TASK [wait for the server]'));
    const result = lines.findIndex((l, i) => i > banner && l === 'changed: [node1]');
    expect(lines.slice(banner, result).filter((l) => l.startsWith('…'))).toEqual(beats);
    const seconds = beats.map((b) => Number(STILL.exec(b)![1]));
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
    expect(r.stdout).not.toContain('\u001b[2K');
  }, 60_000);

  test('fast tasks print none; PLAYBOOK_PROGRESS_INTERVAL=0 turns the lines off', async () => {
    const dir = project({ 'hosts.ini': INVENTORY, 'pb.yml': fast, 'slow.yml': slow });
    const r = await cli(['run', '-i', 'hosts.ini', 'pb.yml'], dir, { PLAYBOOK_PROGRESS_INTERVAL: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('TASK [quick two]');
    expect(r.stdout).not.toContain('still running');
    const off = await cli(['run', '-i', 'hosts.ini', 'slow.yml'], dir, { PLAYBOOK_PROGRESS_INTERVAL: '0' });
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).not.toContain('still running');
  }, 60_000);

  test('the JSON stream has no progress lines: every line is an event; each host ends each task with host_done', async () => {
    const dir = project({ 'hosts.ini': INVENTORY, 'pb.yml': slow });
    const r = await cli(['run', '-i', 'hosts.ini', 'pb.yml', '--json'], dir, { PLAYBOOK_PROGRESS_INTERVAL: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('still running');
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    const sequence = events.filter((e) => e.type === 'task_start' || e.type === 'host_result' || e.type === 'host_done').map((e) => e.type);
    expect(sequence).toEqual(['task_start', 'host_result', 'host_done', 'task_start', 'host_result', 'host_done']);
    expect(events.find((e) => e.type === 'task_start')).toMatchObject({ hosts: ['node1'] });
  }, 60_000);
});

const task = (id: number, title: string): TaskInfo => ({ id, title, name: title, action: 'command', role: undefined, file: 'pb.yml', line: 1, column: 3, isHandler: false });

/** A reporter writing to a string, on a terminal `columns` wide. */
function reporter(tty: boolean, intervalSeconds = 10): { out: () => string; reset: () => void; r: TextReporter; columns: { width: number } } {
  let out = '';
  const columns = { width: 100 };
  const r = new TextReporter({ write: (s) => (out += s), color: false, verbosity: 0, diff: false, progress: { tty, intervalSeconds, columns: () => columns.width } });
  return { out: () => out, reset: () => (out = ''), r, columns };
}

const started = (t: TaskInfo, hosts: string[]): RunEvent => ({ type: 'task_start', task: t, hosts });
const ok = (t: TaskInfo, host: string): RunEvent => ({ type: 'host_result', task: t, host, status: 'ok', result: {}, ignored: false });
const done = (t: TaskInfo, host: string): RunEvent => ({ type: 'host_done', task: t, host });

describe('the text reporter, on a fake clock', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  test('not a terminal: one line per interval while hosts remain, then nothing and no timer', () => {
    const { out, reset, r } = reporter(false, 10);
    const t = task(1, 'install packages');
    r.event(started(t, ['node1', 'node2', 'node3']));
    reset();
    vi.advanceTimersByTime(9_000);
    expect(out()).toBe('');
    vi.advanceTimersByTime(2_000);
    expect(out()).toBe('… still running (10 s): TASK [install packages] on node1, node2, node3\n');
    r.event(ok(t, 'node1'));
    r.event(done(t, 'node1'));
    reset();
    vi.advanceTimersByTime(10_000);
    expect(out()).toBe('… still running (20 s): TASK [install packages] on node2, node3 (1 of 3 hosts done)\n');
    for (const h of ['node2', 'node3']) r.event(done(t, h));
    expect(vi.getTimerCount()).toBe(0);
    reset();
    vi.advanceTimersByTime(60_000);
    expect(out()).toBe('');
  });

  test('a terminal: after 3 s one line redrawn in place, erased before regular output, gone when the task ends', () => {
    const { out, reset, r, columns } = reporter(true);
    const t = task(1, 'download the model');
    r.event(started(t, ['node1', 'node2']));
    reset();
    vi.advanceTimersByTime(2_000);
    expect(out()).toBe('');
    vi.advanceTimersByTime(1_000);
    expect(out()).toBe('\r\u001b[2K  … TASK [download the model] running 3 s: node1, node2 (0 of 2 hosts done)');
    reset();
    r.event(ok(t, 'node1'));
    r.event(done(t, 'node1'));
    // Erased, then the result on a clean line.
    expect(out()).toBe('\r\u001b[2Kok: [node1]\n');
    reset();
    vi.advanceTimersByTime(1_000);
    expect(out()).toBe('\r\u001b[2K  … TASK [download the model] running 4 s: node2 (1 of 2 hosts done)');
    reset();
    // The module's own progress shares the line, never wider than the terminal.
    r.event({ type: 'host_progress', task: t, host: 'node2', message: '1,234,567 45% 12.3MB/s' });
    vi.advanceTimersByTime(1_000);
    expect(out()).toBe('\r\u001b[2K  … TASK [download the model] running 5 s: node2 (1 of 2 hosts done) [node2] 1,234,567 45% 12.3MB/s');
    reset();
    columns.width = 40;
    vi.advanceTimersByTime(1_000);
    expect(out()).toBe('\r\u001b[2K  … TASK [download the model] running …');
    expect(out().length - '\r\u001b[2K'.length).toBe(39);
    reset();
    r.event(done(t, 'node2'));
    expect(out()).toBe('\r\u001b[2K');
    expect(vi.getTimerCount()).toBe(0);
    reset();
    vi.advanceTimersByTime(10_000);
    expect(out()).toBe('');
  });

  test('module progress: PROGRESS lines when not a terminal (as before); on a terminal only the status line', () => {
    const t = task(1, 'synchronize');
    const plain = reporter(false);
    plain.r.event(started(t, ['node1']));
    plain.r.event({ type: 'host_progress', task: t, host: 'node1', message: '10%' });
    expect(plain.out()).toContain('PROGRESS [node1]: 10%\n');
    plain.r.close();
    const tty = reporter(true);
    tty.r.event(started(t, ['node1']));
    tty.reset();
    tty.r.event({ type: 'host_progress', task: t, host: 'node1', message: '10%' });
    vi.advanceTimersByTime(1_000);
    expect(tty.out()).toBe('\r\u001b[2K  … TASK [synchronize] running 1 s: node1 [node1] 10%');
    tty.r.event({ type: 'recap', stats: {} });
    expect(tty.out()).toContain('\r\u001b[2K\nPLAY RECAP');
    expect(vi.getTimerCount()).toBe(0);
  });

  test('the next task starting on a host ends its previous one; close() stops everything', () => {
    const { out, reset, r } = reporter(false, 1);
    const a = task(1, 'a');
    const b = task(2, 'b');
    r.event(started(a, ['node1']));
    r.event(started(b, ['node1']));
    reset();
    vi.advanceTimersByTime(1_000);
    expect(out()).toBe('… still running (1 s): TASK [b] on node1\n');
    r.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('without the progress option (the library default) nothing is added', () => {
    let out = '';
    const r = new TextReporter({ write: (s) => (out += s), color: false, verbosity: 0, diff: false });
    r.event(started(task(1, 'x'), ['node1']));
    out = '';
    vi.advanceTimersByTime(60_000);
    expect(out).toBe('');
    expect(vi.getTimerCount()).toBe(0);
  });
});

test('the timer never keeps the process alive', async () => {
  // A reporter left with a task running (no recap, no close): the process still exits.
  const code = `
    import { TextReporter } from ${JSON.stringify(path.join(ROOT, 'src', 'output', 'text.ts'))};
    const r = new TextReporter({ write: (s) => process.stdout.write(s), color: false, verbosity: 0, diff: false, progress: { tty: false, intervalSeconds: 1 } });
    r.event({ type: 'task_start', task: { id: 1, title: 'x', action: 'command', file: 'f', line: 1, column: 1, isHandler: false }, hosts: ['node1'] });
    setTimeout(() => console.log('end of work'), 2500);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, timeout: 20_000 });
  expect(stdout).toContain('… still running (1 s): TASK [x] on node1\n');
  expect(stdout.trim().split('\n').at(-1)).toBe('end of work');
}, 30_000);
