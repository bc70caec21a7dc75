/**
 * docs/environment-files.md's pattern, run as the doc writes it: the task is the doc's own YAML
 * block (read from the doc, so the two cannot drift apart), on the local connection, with values
 * that have spaces, both kinds of quotes, `=`, `$`, a backslash and `#`. The file must hold the
 * lines the doc shows, a second run must report changed=0, a changed value must replace its line,
 * and `sh -c 'set -a; . ./file; env'` must read back exactly the values asked for.
 * (test/system/environment-file.test.ts checks systemd's EnvironmentFile= on a lab node.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { docExample, playbook, shellReads, VALUES } from '../support/environment-file.js';
import { project, recapLine, run } from './helpers.js';

test('the doc names the pattern: regexp on "^KEY=", line KEY={{ value | quote }}, in a loop', () => {
  const block = docExample();
  expect(block).toContain('regexp: "^{{ item.key | regex_escape }}="');
  expect(block).toContain('line: "{{ item.key }}={{ item.value | quote }}"');
  expect(block).toContain('loop: "{{ cluster_env | dict2items }}"');
});

test("the doc's lineinfile loop writes a file that sh reads back exactly; the re-run changes nothing", async () => {
  const dir = project({ 'inventory.ini': 'node1 ansible_connection=local\n' });
  const file = path.join(dir, 'cluster.env');
  writeFileSync(path.join(dir, 'pb.yml'), playbook(file, VALUES));

  const first = await run(dir);
  expect(first.exitCode, first.output).toBe(0);
  expect(recapLine(first.output, 'node1'), first.output).toMatch(/ok=1 +changed=1 +unreachable=0 +failed=0/);
  expect(readFileSync(file, 'utf8')).toBe(
    [
      'NCCL_SOCKET_IFNAME=eno1',
      'VLLM_HOST_IP=10.0.0.11',
      `VLLM_EXTRA_ARGS='--max-model-len 4096 --served-model-name "qwen3 small"'`,
      `RAY_HEAD_COMMENT='it'"'"'s node1'"'"'s head'`,
      'RAY_RUNTIME_ENV_HOOK=\'a=b c=d\'',
      "GLOO_NOTE='cost $HOME `x` \\n # not a comment'",
      '',
    ].join('\n'),
  );
  // The values' text stays out of the output lines: the label is the key.
  expect(first.output).toContain('(item=VLLM_EXTRA_ARGS)');
  expect(first.output).not.toContain('qwen3 small');

  const again = await run(dir);
  expect(recapLine(again.output, 'node1'), again.output).toMatch(/ok=1 +changed=0 +unreachable=0 +failed=0/);

  const env = execFileSync('sh', ['-c', 'set -a; . ./cluster.env; env -0'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/home/someone' } }).toString('utf8');
  expect(shellReads(env, Object.keys(VALUES))).toEqual(VALUES);

  // A changed value replaces its own line, in place; the others stay.
  writeFileSync(path.join(dir, 'pb.yml'), playbook(file, { ...VALUES, VLLM_HOST_IP: '10.0.0.12' }));
  const changed = await run(dir);
  expect(recapLine(changed.output, 'node1'), changed.output).toMatch(/ok=1 +changed=1 /);
  const lines = readFileSync(file, 'utf8').split('\n');
  expect(lines[1]).toBe('VLLM_HOST_IP=10.0.0.12');
  expect(lines.filter((l) => l.startsWith('VLLM_HOST_IP='))).toHaveLength(1);
  expect(lines).toHaveLength(7);
});
