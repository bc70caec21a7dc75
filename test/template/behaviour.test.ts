/** What the engine relies on: native types in module arguments, lazy variables, includes, options. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Templar, evaluateExpression, renderTemplate, templateValue } from '../../src/index.js';

describe('native types, as Ansible gives module arguments', () => {
  test('a value that is one expression keeps its type', () => {
    expect(templateValue('{{ pkgs }}', { pkgs: ['ray', 'vllm'] })).toEqual(['ray', 'vllm']);
    expect(templateValue('{{ 3 }}')).toBe(3);
    expect(templateValue('{{ enabled }}', { enabled: true })).toBe(true);
    expect(templateValue('{{ nothing }}', { nothing: null })).toBeNull();
    expect(templateValue('{{ {"port": 6379} }}')).toEqual({ port: 6379 });
  });

  test('mixed strings stay strings, several expressions are joined as text', () => {
    expect(templateValue('port={{ 3 }}')).toBe('port=3');
    expect(templateValue('{{ 1 }}{{ 2 }}')).toBe('12');
    expect(templateValue('{{ a }}-{{ b }}', { a: [1], b: null })).toBe('[1]-');
  });

  test('arguments are templated deeply, leaving non-templates alone', () => {
    const args = { name: 'install {{ pkg }}', pkgs: ['{{ pkg }}', 'b'], opts: { retries: '{{ n + 1 }}', raw: 5 } };
    expect(templateValue(args, { pkg: 'ray', n: 2 })).toEqual({ name: 'install ray', pkgs: ['ray', 'b'], opts: { retries: 3, raw: 5 } });
    expect(args.opts.retries).toBe('{{ n + 1 }}');
  });

  test('module arguments take backslashes in string literals as written (escape_backslashes)', () => {
    expect(templateValue("{{ 'a1b22' | regex_replace('\\d+', '#') }}")).toBe('a#b#');
    expect(renderTemplate("{{ 'a1b22' | regex_replace('\\\\d+', '#') }}")).toBe('a#b#');
  });

  test('floats print as Python prints them', () => {
    expect(renderTemplate('{{ 6 / 2 }} {{ 7 // 2 }} {{ 2 ** -1 }} {{ 0.1 + 0.2 }}')).toBe('3.0 3 0.5 0.30000000000000004');
    expect(evaluateExpression('6 / 2')).toBe(3);
    const templar = new Templar();
    const kept = templar.evaluateExpression('6 / 2', {}, { keepPythonTypes: true });
    expect(templar.renderTemplate('{{ x }}', { x: kept })).toBe('3.0');
  });
});

describe('lazy variables', () => {
  test('variables that reference variables are templated when used', () => {
    const vars = { url: 'http://{{ host }}:{{ port }}/v1', host: '{{ head_ip }}', head_ip: '10.0.0.1', port: 10322 };
    expect(renderTemplate('{{ url }}', vars)).toBe('http://10.0.0.1:10322/v1');
    expect(evaluateExpression('port', { port: '{{ 10000 + 322 }}' })).toBe(10322);
  });

  test('an unused variable with an error does not fail the template', () => {
    expect(renderTemplate('{{ ok }}', { ok: 'fine', broken: '{{ nope.nope }}' })).toBe('fine');
  });

  test('each variable is templated once per call, however often it is used', () => {
    const templar = new Templar();
    let calls = 0;
    templar.addFilter('counted', { fn: (_ctx, v) => { calls++; return v; } });
    expect(templar.renderTemplate('{{ a }}{{ a }}{{ a }}', { a: '{{ 1 | counted }}' })).toBe('111');
    expect(calls).toBe(1);
  });
});

describe('template module behaviour', () => {
  test('trim_blocks on, lstrip_blocks off, trailing newline kept', () => {
    const src = '{% for h in hosts %}\n  {{ h }}\n{% endfor %}\n';
    expect(renderTemplate(src, { hosts: ['a', 'b'] })).toBe('  a\n  b\n');
  });

  test('a #jinja2: header overrides the settings and delimiters', () => {
    const src = "#jinja2: variable_start_string: '[%', variable_end_string: '%]', trim_blocks: False\n[% x %] {{ x }}\n";
    expect(renderTemplate(src, { x: 1 })).toBe('1 {{ x }}\n');
  });

  test('include finds templates in the search path and shares the context', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tpl-'));
    writeFileSync(path.join(dir, 'peer.j2'), 'allow from {{ peer }}\n');
    // trim_blocks drops the newline after the include tag, and Jinja drops the included file's last newline.
    const src = '{% for peer in peers %}{% include "peer.j2" %}\n\n{% endfor %}';
    expect(renderTemplate(src, { peers: ['10.0.0.2', '10.0.0.3'] }, { searchPath: [dir] })).toBe('allow from 10.0.0.2\nallow from 10.0.0.3\n');
    expect(() => renderTemplate('{% include "missing.j2" %}', {}, { searchPath: [dir] })).toThrow("the template 'missing.j2' was not found");
    expect(renderTemplate('a{% include "missing.j2" ignore missing %}b', {}, { searchPath: [dir] })).toBe('ab');
  });

  test('lookups resolve relative files in the search path', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lk-'));
    writeFileSync(path.join(dir, 'key.pub'), 'ssh-ed25519 AAAA lab\n');
    expect(evaluateExpression("lookup('file', 'key.pub')", {}, { searchPath: [dir] })).toBe('ssh-ed25519 AAAA lab');
    // Ansible 2.19's words for a file it cannot find.
    expect(() => evaluateExpression("lookup('file', '/nowhere/x.txt')", {}, { searchPath: [dir] })).toThrow(
      "The lookup plugin 'file' failed: Unable to access the file '/nowhere/x.txt': File not found. Use -vvvvv to see paths searched.",
    );
  });

  test('user filters, tests and lookups plug into a Templar', () => {
    const templar = new Templar();
    templar.addFilter('gpu_total', { fn: (_ctx, v) => (v as Array<{ gpus: number }>).reduce((n, h) => n + h.gpus, 0) });
    templar.addTest('head_node', { fn: (_ctx, v) => (v as { role: string }).role === 'head' });
    templar.addLookup('peers', { fn: (_ctx, terms) => terms.map((t) => `peer-${String(t)}`) });
    const hosts = [{ gpus: 2, role: 'head' }, { gpus: 4, role: 'worker' }];
    expect(templar.evaluateExpression('hosts | gpu_total', { hosts })).toBe(6);
    expect(templar.evaluateExpression("hosts | select('head_node') | list | length", { hosts })).toBe(1);
    expect(templar.evaluateExpression("query('peers', 1, 2)")).toEqual(['peer-1', 'peer-2']);
  });
});

// Expected values from ansible-playbook 2.19 (debug of the same expressions, TZ=UTC).
describe('strftime and urldecode, as ansible.builtin gives them', () => {
  test('strftime formats epoch seconds with time.strftime', () => {
    expect(evaluateExpression("'%Y-%m-%d %H:%M:%S' | strftime(1700000000, utc=True)")).toBe('2023-11-14 22:13:20');
    expect(evaluateExpression("'%Y' | strftime('1700000000', utc=True)")).toBe('2023');
    expect(evaluateExpression("'%H:%M:%S' | strftime(1700000000.9, utc=True)")).toBe('22:13:20');
    expect(evaluateExpression("'%Y' | strftime(-86400, utc=true)")).toBe('1969');
    expect(evaluateExpression("'%a %A %b %B %d %e %j %y %I %p %w %u %U %W %V %G %Z %z %% %D %F %T %R %C %h %s' | strftime(1700000000, true)")).toBe(
      'Tue Tuesday Nov November 14 14 318 23 10 PM 2 2 46 46 46 2023 GMT +0000 % 11/14/23 2023-11-14 22:13:20 22:13 20 Nov 1700000000',
    );
    expect(evaluateExpression("'%c|%x|%X' | strftime(0, utc=true)")).toBe('Thu Jan  1 00:00:00 1970|01/01/70|00:00:00');
    // time.strftime leaves %f as written
    expect(evaluateExpression("'%f %k %l %P %n' | strftime(86399, utc=true)")).toBe('%f 23 11 pm \n');
    expect(evaluateExpression("'%Y' | strftime")).toBe(String(new Date().getFullYear()));
    expect(() => evaluateExpression("'%Y' | strftime('abc')")).toThrow('Invalid value for epoch value (abc)');
  });

  test('urldecode is unquote_plus; urlencode quotes a string', () => {
    expect(evaluateExpression("'a%20b+c%2Fd%3D%E2%82%AC%zz%' | urldecode")).toBe('a b c/d=€%zz%');
    expect(evaluateExpression("'a b/c&d=€' | urlencode")).toBe('a%20b/c%26d%3D%E2%82%AC');
    expect(() => evaluateExpression('5 | urldecode')).toThrow("'int' object has no attribute 'replace'");
  });
});
