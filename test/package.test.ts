/** The built package, imported by its name as a user's code would, exports the templating API. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// test/global-setup.ts has built dist/ from the current sources.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function runAsUser(code: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
}

test('renderTemplate and evaluateExpression from the package entry', () => {
  const out = runAsUser(`
    import { renderTemplate, evaluateExpression } from 'playbook-engine';
    console.log(JSON.stringify([
      renderTemplate('{% for h in hosts %}{{ h }}:{{ port }}\\n{% endfor %}', { hosts: ['a', 'b'], port: 6379 }),
      evaluateExpression("nodes | map(attribute='gpus') | sum", { nodes: [{ gpus: 2 }, { gpus: 4 }] }),
    ]));
  `);
  expect(JSON.parse(out)).toEqual(['a:6379\nb:6379\n', 6]);
});

test('errors are typed and carry their position', () => {
  const out = runAsUser(`
    import { renderTemplate, TemplateError, UndefinedVariableError } from 'playbook-engine';
    try {
      renderTemplate('line one\\n{{ missing_var }}', {}, { file: 'motd.j2' });
    } catch (e) {
      console.log(JSON.stringify({ typed: e instanceof UndefinedVariableError && e instanceof TemplateError, file: e.file, line: e.line, column: e.column, message: e.message }));
    }
  `);
  expect(JSON.parse(out)).toEqual({ typed: true, file: 'motd.j2', line: 2, column: 4, message: "motd.j2:2:4: 'missing_var' is undefined" });
});

test('runPlaybook from the built package runs a playbook and reports stats', async () => {
  const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(path.join(tmpdir(), 'pkg-'));
  writeFileSync(path.join(dir, 'hosts.ini'), 'gpu01 ansible_connection=local\n');
  writeFileSync(
    path.join(dir, 'site.yml'),
    '- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: {content: "ray {{ inventory_hostname }}\\n", dest: "{{ playbook_dir }}/out.txt"}\n',
  );
  const out = runAsUser(`
    import { runPlaybook } from 'playbook-engine';
    const r = await runPlaybook({ playbooks: ['${path.join(dir, 'site.yml')}'], inventory: ['${path.join(dir, 'hosts.ini')}'] });
    console.log(JSON.stringify({ exitCode: r.exitCode, stats: r.stats }));
  `);
  expect(JSON.parse(out)).toEqual({ exitCode: 0, stats: { gpu01: { ok: 1, changed: 1, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } } });
  expect(readFileSync(path.join(dir, 'out.txt'), 'utf8')).toBe('ray gpu01\n');
});

test('the scripts that run Python modules, action, lookup, filter and test plugins with ansible-core ship in the package, where the build looks for them', async () => {
  const { existsSync } = await import('node:fs');
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
  const scripts = ['build_payload.py', 'run_action.py', 'run_lookup.py', 'run_jinja_plugin.py'];
  // The scripts import host_connection.py and controller_side.py from their own folder.
  for (const script of [...scripts, 'host_connection.py', 'controller_side.py']) expect(packed[0]!.files.map((f) => f.path)).toContain(`src/modules/python/${script}`);
  const out = runAsUser(`
    import { ACTION_SCRIPT, JINJA_PLUGIN_SCRIPT, LOOKUP_SCRIPT, PAYLOAD_SCRIPT } from './dist/modules/python-script.js';
    console.log([PAYLOAD_SCRIPT, ACTION_SCRIPT, LOOKUP_SCRIPT, JINJA_PLUGIN_SCRIPT].join('\\n'));
  `).trim().split('\n');
  expect(out).toEqual(scripts.map((s) => path.join(root, 'src', 'modules', 'python', s)));
  for (const file of out) expect(existsSync(file)).toBe(true);
});
