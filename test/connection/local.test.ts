/** The local connection's exec, where it differs from a plain child process wait. */
import { describe, expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';

describe('local exec', () => {
  test('a program that leaves a process in the background returns when it exits, with all its output', { timeout: 20_000 }, async () => {
    const conn = new LocalConnection('localhost');
    const r = await conn.exec('echo before; sleep 14.25 & for i in 1 2 3; do echo line $i; done; echo err >&2; exit 3');
    expect(r).toMatchObject({ rc: 3, stdout: 'before\nline 1\nline 2\nline 3\n', stderr: 'err\n' });
    // The exec returned while the background process, which holds the pipes, still runs.
    const running = await conn.exec(['pkill', '-f', '^sleep 14.25$']);
    expect(running.rc).toBe(0);
  });

  test('output a program writes just before it exits is all there', async () => {
    const conn = new LocalConnection('localhost');
    const r = await conn.exec(['python3', '-c', 'import sys; sys.stdout.write("x" * 3_000_000)']);
    expect(r.rc).toBe(0);
    expect(r.stdout.length).toBe(3_000_000);
  });
});
