/**
 * script with a local "host": the controller's script copied and run with its arguments (quoting
 * kept), through an executable, in chdir; creates/removes; check mode; the messages for a missing
 * script, a relative chdir and a failing script. The copy is gone afterwards.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import script from '../../src/modules/script.js';
import { type Sandbox, createSandbox } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
  await fs.writeFile(path.join(sb.files, 'hello.sh'), '#!/bin/sh\necho "args: $# [$1] [$2]"\necho "cwd: $(pwd)"\necho oops >&2\n', { mode: 0o644 });
  await fs.writeFile(path.join(sb.files, 'fail.sh'), '#!/bin/sh\necho before\nexit 3\n');
  await fs.writeFile(path.join(sb.files, 'hello.py'), 'import sys\nprint("py", sys.argv[1:])\n');
});
afterEach(async () => {
  await sb.cleanup();
});

const leftovers = async (): Promise<string[]> => (await fs.readdir('/tmp')).filter((f) => f.startsWith('.playbook-script-'));

describe('script', () => {
  it('runs the controller script on the host with its arguments, in chdir', async () => {
    const before = await leftovers();
    const r = await sb.run(script, { _raw_params: 'hello.sh "two words" plain', chdir: sb.root });
    expect(r).toEqual({ changed: true, rc: 0, stdout: `args: 2 [two words] [plain]\ncwd: ${sb.root}\n`, stderr: 'oops\n', stdout_lines: ['args: 2 [two words] [plain]', `cwd: ${sb.root}`], stderr_lines: ['oops'] });
    expect(await leftovers()).toEqual(before);
  });

  it('runs through an executable given as cmd', async () => {
    expect(await sb.run(script, { cmd: 'hello.py a b', executable: 'python3' })).toMatchObject({ changed: true, rc: 0, stdout_lines: ["py ['a', 'b']"] });
  });

  it('fails on a non-zero status, with the output', async () => {
    expect(await sb.run(script, { _raw_params: 'fail.sh' })).toMatchObject({ changed: true, failed: true, rc: 3, stdout: 'before\n', msg: 'non-zero return code' });
  });

  it('is skipped by creates and removes, and in check mode unless they decide', async () => {
    expect(await sb.run(script, { _raw_params: 'hello.sh', creates: sb.root })).toEqual({ changed: false, skipped: true, msg: `${sb.root} exists, matching creates option` });
    expect(await sb.run(script, { _raw_params: 'hello.sh', removes: sb.p('none') })).toEqual({ changed: false, skipped: true, msg: `${sb.p('none')} does not exist, matching removes option` });
    expect(await sb.run(script, { _raw_params: 'hello.sh' }, { check: true })).toEqual({ changed: false, skipped: true, msg: 'Check mode is not supported for this task.' });
    expect(await sb.run(script, { _raw_params: 'hello.sh', creates: sb.p('none') }, { check: true })).toEqual({ changed: true });
  });

  it('says what is wrong', async () => {
    expect(await sb.run(script, { _raw_params: 'missing.sh' })).toMatchObject({ failed: true, msg: expect.stringContaining("Could not find or access 'missing.sh' on the Ansible Controller.") });
    expect(await sb.run(script, { _raw_params: 'hello.sh', chdir: 'rel' })).toEqual({ changed: false, failed: true, msg: 'chdir rel must be an absolute path for a Unix-aware remote node' });
  });
});
