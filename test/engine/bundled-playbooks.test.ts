/**
 * `playbook run deploy.yml` from any folder: a playbook named on the command line is the file in
 * the working directory when there is one, else the package's bundled one. The bundled directory
 * is a fixture here (PLAYBOOK_BUNDLED_DIR), so that no test playbook ships in playbooks/.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { bundledPlaybooksDir, resolvePlaybooks } from '../../src/cli/bundled.js';
import { ansibleVenv } from '../support/ansible.js';
import { LOCAL_INVENTORY, ROOT, cli, project } from './helpers.js';

const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A package-like fixture: playbooks/deploy.yml using ../roles/greet, as the bundled playbooks do. */
const pkg = project({
  'playbooks/deploy.yml': '- name: bundled deploy\n  hosts: all\n  gather_facts: false\n  roles:\n    - ../roles/greet\n',
  'playbooks/sub/verify.yml': '- name: bundled verify\n  hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg="verify from the package"\n',
  'roles/greet/tasks/main.yml': '- name: greet\n  debug: msg="{{ greeting }} from the bundled role"\n',
  'roles/greet/defaults/main.yml': 'greeting: hello\n',
});
const bundled = path.join(pkg, 'playbooks');
const env = { PLAYBOOK_BUNDLED_DIR: bundled };

describe('a playbook named on the command line', () => {
  test('the production default is the package playbooks/ directory', () => {
    expect(bundledPlaybooksDir({})).toBe(path.join(ROOT, 'playbooks'));
    expect(bundledPlaybooksDir({ PLAYBOOK_BUNDLED_DIR: bundled })).toBe(bundled);
  });

  test('the file in the working directory wins over the bundled one, and nothing is announced', async () => {
    const dir = project({
      'hosts.ini': LOCAL_INVENTORY,
      'deploy.yml': '- name: local deploy\n  hosts: node1\n  gather_facts: false\n  tasks:\n    - debug: msg="deploy from the cwd"\n',
    });
    const r = await cli(['run', 'deploy.yml', '-i', 'hosts.ini'], dir, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('PLAY [local deploy]');
    expect(r.stdout).toContain('"msg": "deploy from the cwd"');
    expect(r.stdout).not.toContain('bundled');
    expect(r.stdout + r.stderr).not.toContain('Playbook:');
    expect(resolvePlaybooks(['deploy.yml'], dir, bundled)).toEqual([{ given: 'deploy.yml', file: 'deploy.yml', bundled: false }]);
  }, 30_000);

  test('not in the working directory: the bundled one runs, announced on one line before the first PLAY; its ../roles load', async () => {
    const dir = project({ 'hosts.ini': LOCAL_INVENTORY });
    const r = await cli(['run', 'deploy.yml', '-i', 'hosts.ini', '-e', 'greeting=hi'], dir, env);
    expect(r.code, r.stderr).toBe(0);
    const notice = `Playbook: ${path.join(bundled, 'deploy.yml')} (bundled with playbook-engine ${VERSION}; no deploy.yml in ${dir})`;
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('Playbook:'))).toEqual([notice]);
    expect(lines.indexOf(notice)).toBeLessThan(lines.findIndex((l) => l.startsWith('PLAY [')));
    expect(r.stdout).toContain('PLAY [bundled deploy]');
    expect(r.stdout).toContain('TASK [greet : greet]');
    expect(r.stdout).toContain('"msg": "hi from the bundled role"');
    expect(r.stdout).toMatch(/node2 +: ok=1 /);
  }, 30_000);

  test('a relative path inside the bundled directory, with or without the playbooks/ prefix; validate resolves the same way', async () => {
    const dir = project({ 'hosts.ini': 'node1 ansible_connection=local\n' });
    for (const arg of ['sub/verify.yml', 'playbooks/sub/verify.yml']) {
      const r = await cli(['run', arg, '-i', 'hosts.ini'], dir, env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Playbook: ${path.join(bundled, 'sub', 'verify.yml')} (bundled with playbook-engine ${VERSION}; no ${arg} in ${dir})\n`);
      expect(r.stdout).toContain('"msg": "verify from the package"');
    }
    const v = await cli(['validate', 'deploy.yml'], dir, env);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`Playbook: ${path.join(bundled, 'deploy.yml')} (bundled with playbook-engine ${VERSION}; no deploy.yml in ${dir})\ndeploy.yml: ok\n`);
    // Never outside the bundled directory.
    expect(() => resolvePlaybooks(['../roles/greet/tasks/main.yml'], dir, bundled)).toThrow(/could not be found/);
  }, 60_000);

  test('with --json the announcement goes to stderr and stdout stays one JSON event per line', async () => {
    const dir = project({ 'hosts.ini': 'node1 ansible_connection=local\n' });
    const r = await cli(['run', 'deploy.yml', '-i', 'hosts.ini', '--json'], dir, env);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; file?: string });
    expect(events[0]).toEqual({ type: 'playbook_start', file: path.join(bundled, 'deploy.yml') });
    expect(r.stderr).toContain(`Playbook: ${path.join(bundled, 'deploy.yml')} (bundled with playbook-engine ${VERSION}; no deploy.yml in ${dir})\n`);
  }, 30_000);

  test('found in neither place: an error naming both places, with ansible-playbook exit code', async () => {
    const dir = project({ 'hosts.ini': LOCAL_INVENTORY });
    const reference = await promisify(execFile)(path.join(ansibleVenv(), 'bin', 'ansible-playbook'), ['-i', 'hosts.ini', 'nowhere.yml'], {
      cwd: dir,
      env: { ...process.env, ANSIBLE_CONFIG: path.join(dir, 'none.cfg'), ANSIBLE_NOCOLOR: '1' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(reference.stderr).toContain('the playbook: nowhere.yml could not be found');
    for (const command of ['run', 'validate']) {
      const r = await cli([command, 'nowhere.yml', ...(command === 'run' ? ['-i', 'hosts.ini'] : [])], dir, env);
      expect(r.code).toBe(reference.code);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`ERROR! the playbook: nowhere.yml could not be found (looked in ${dir} and in the bundled playbooks, ${bundled})\n`);
      expect(r.stdout).not.toContain('PLAY');
    }
    // Every argument is checked before anything runs.
    const second = await cli(['run', '-i', 'hosts.ini', 'deploy.yml', 'nowhere.yml'], dir, env);
    expect(second.code).toBe(1);
    expect(second.stdout).not.toContain('PLAY [');
    // An absolute path is never looked up in the package.
    const absolute = await cli(['run', '-i', 'hosts.ini', path.join(dir, 'deploy.yml')], dir, env);
    expect(absolute.code).toBe(1);
    expect(absolute.stderr).toBe(`ERROR! the playbook: ${path.join(dir, 'deploy.yml')} could not be found\n`);
  }, 60_000);
});
