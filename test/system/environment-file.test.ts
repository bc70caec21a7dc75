/**
 * docs/environment-files.md's lineinfile loop on a lab node booted with systemd as PID 1, over SSH
 * with become: the file it writes in /etc/ray must read back the same values through the shell
 * (`set -a; . file`) and through systemd's own EnvironmentFile= parser (a transient unit started
 * by `systemd-run`), and a second run must report changed=0.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { playbook, shellReads, VALUES } from '../support/environment-file.js';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;
const FILE = '/etc/ray/cluster.env';

beforeAll(async () => {
  lab = await startModuleLab('envfile', { nodes: 1 });
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

it('the file reads the same through the shell and through systemd EnvironmentFile=; a re-run changes nothing', async () => {
  const file = path.join(lab.work, 'env.yml');
  writeFileSync(file, playbook(FILE, VALUES).replace('  gather_facts: false\n', '  gather_facts: false\n  become: true\n'));
  const first = await lab.runPlaybook(file);
  expect(first.code, first.stdout + first.stderr).toBe(0);
  expect(first.recap('node1')).toMatchObject({ ok: 1, changed: 1, failed: 0 });
  const again = await lab.runPlaybook(file);
  expect(again.recap('node1')).toMatchObject({ ok: 1, changed: 0, failed: 0 });

  const keys = Object.keys(VALUES);
  const shell = await lab.sh('node1', `sh -c 'set -a; . ${FILE}; env -0'`);
  expect(shell.rc, shell.stderr).toBe(0);
  expect(shellReads(shell.stdout, keys)).toEqual(VALUES);

  const systemd = await lab.sh('node1', `systemd-run --wait --pipe --quiet -p EnvironmentFile=${FILE} env -0`);
  expect(systemd.rc, systemd.stderr).toBe(0);
  expect(shellReads(systemd.stdout, keys)).toEqual(VALUES);
}, 300_000);
