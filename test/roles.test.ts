/**
 * The bundled roles and playbooks, statically: each role has its defaults, an argument spec that
 * covers every default, and a README whose table lists every variable; every task uses a module
 * ansible-playbook has under its fully qualified name (so either engine runs them); and both
 * engines accept the playbooks (playbook validate, ansible-playbook --syntax-check).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ansibleVenv } from './support/ansible.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rolesDir = path.join(root, 'roles');
const roles = readdirSync(rolesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const read = (...p: string[]): unknown => parse(readFileSync(path.join(rolesDir, ...p), 'utf8')) as unknown;

/** Modules the roles may use: ansible-core's and the pinned bundle's collections that ansible-playbook has. */
const FQCN = /^(ansible\.builtin|ansible\.posix|community\.general)\.[a-z_]+$/;
const KEYWORDS = new Set(['name', 'when', 'register', 'loop', 'loop_control', 'vars', 'args', 'become', 'become_user', 'changed_when', 'failed_when', 'check_mode', 'run_once', 'delegate_to', 'throttle', 'until', 'retries', 'delay', 'environment', 'no_log', 'tags', 'notify', 'ignore_errors', 'block', 'rescue', 'always']);

function tasksOf(list: unknown): Record<string, unknown>[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((t: Record<string, unknown>) => (t['block'] ? [...tasksOf(t['block']), ...tasksOf(t['rescue']), ...tasksOf(t['always'])] : [t]));
}

describe('the bundled roles', () => {
  it('are the deployment guide in order, each with defaults, an argument spec, tasks and a README', () => {
    expect(roles).toEqual(['conda', 'firewall', 'model-sync', 'network', 'packages', 'preflight', 'ray', 'verify', 'vllm']);
    for (const role of roles) for (const f of ['defaults/main.yml', 'meta/argument_specs.yml', 'tasks/main.yml', 'README.md']) expect(existsSync(path.join(rolesDir, role, f)), `${role}/${f}`).toBe(true);
  });

  for (const role of roles) {
    it(`${role}: every default is in the argument spec and in the README's table`, () => {
      const defaults = Object.keys((read(role, 'defaults', 'main.yml') as Record<string, unknown> | null) ?? {});
      const spec = read(role, 'meta', 'argument_specs.yml') as { argument_specs: { main: { options: Record<string, unknown> } } };
      const options = Object.keys(spec.argument_specs.main.options);
      const readme = readFileSync(path.join(rolesDir, role, 'README.md'), 'utf8');
      for (const name of defaults) expect(options, `${role}: ${name} has a default but no argument spec`).toContain(name);
      for (const name of options) expect(readme, `${role}: ${name} is missing from README.md`).toContain(`| \`${name}\` |`);
    });

    it(`${role}: every task (of every tasks/*.yml) uses a module ansible-playbook has, by its fully qualified name`, () => {
      for (const file of readdirSync(path.join(rolesDir, role, 'tasks')).filter((f) => f.endsWith('.yml'))) {
        for (const task of tasksOf(read(role, 'tasks', file))) {
          const actions = Object.keys(task).filter((k) => !KEYWORDS.has(k));
          expect(actions, `${role}/tasks/${file}: task '${String(task['name'])}'`).toHaveLength(1);
          expect(actions[0], `${role}/tasks/${file}: task '${String(task['name'])}'`).toMatch(FQCN);
        }
      }
    });
  }
});

describe('the bundled playbooks', () => {
  const playbooks = readdirSync(path.join(root, 'playbooks')).filter((f) => f.endsWith('.yml') && !f.startsWith('inventory'));

  it('are deploy.yml and teardown.yml (and verify.yml once it exists)', () => {
    expect(playbooks).toEqual(expect.arrayContaining(['deploy.yml', 'teardown.yml']));
  });

  it('pass playbook validate', () => {
    for (const p of playbooks) {
      const r = spawnSync(process.execPath, [path.join(root, 'bin', 'playbook.js'), 'validate', path.join(root, 'playbooks', p)], { encoding: 'utf8' });
      expect(r.status, `${p}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it("pass ansible-playbook's --syntax-check", () => {
    const ansible = path.join(ansibleVenv(), 'bin', 'ansible-playbook');
    for (const p of playbooks) {
      const out = execFileSync(ansible, ['--syntax-check', '-i', 'localhost,', path.join(root, 'playbooks', p)], { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
      expect(out).toContain(`playbook: ${path.join(root, 'playbooks', p)}`);
    }
  });
});
