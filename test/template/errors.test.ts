/** Every class of template error names the template's file, line and column, and what is wrong. */
import { describe, expect, test } from 'vitest';
import {
  TemplateError,
  TemplateSyntaxError,
  TemplateTypeError,
  UndefinedVariableError,
  UnknownPluginError,
  evaluateExpression,
  renderTemplate,
  templateValue,
} from '../../src/index.js';

function caught(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error('expected a TemplateError, nothing was thrown');
}

const file = 'roles/web/templates/nginx.conf.j2';

describe('syntax errors', () => {
  test('an unfinished expression names file, line and column', () => {
    const e = caught(() => renderTemplate('server {\n  listen {{ port + }};\n}\n', { port: 80 }, { file }));
    expect(e).toBeInstanceOf(TemplateSyntaxError);
    expect(e.file).toBe(file);
    expect(e.line).toBe(2);
    expect(e.column).toBe(20);
    expect(e.message).toBe(`${file}:2:20: unexpected 'end of print statement'`);
  });

  test('an unclosed block says which tag Jinja was looking for', () => {
    const e = caught(() => renderTemplate('{% for h in hosts %}\n{{ h }}\n', { hosts: [] }, { file }));
    expect(e).toBeInstanceOf(TemplateSyntaxError);
    expect(e.message).toContain("'endfor'");
    // The template ends on line 2 (Jinja drops the final newline before parsing).
    expect(e.line).toBe(2);
  });

  test('an unknown tag is named', () => {
    const e = caught(() => renderTemplate('a\n{% frobnicate %}', {}, { file }));
    expect(e.message).toBe(`${file}:2:4: Encountered unknown tag 'frobnicate'.`);
  });

  test('an unclosed string', () => {
    const e = caught(() => evaluateExpression("'abc", {}, { file: 'site.yml', line: 4, column: 12 }));
    expect(e).toBeInstanceOf(TemplateSyntaxError);
    expect(e.message).toMatch(/^site\.yml:4:12: unexpected end of string/);
  });
});

describe('unknown filters, tests and lookups suggest the nearest name', () => {
  test('filter', () => {
    const e = caught(() => renderTemplate('x\n  {{ cfg | to_nice_jsno }}', { cfg: {} }, { file }));
    expect(e).toBeInstanceOf(UnknownPluginError);
    expect(e.message).toBe(`${file}:2:12: No filter named 'to_nice_jsno'. Did you mean 'to_nice_json'?`);
    expect((e as UnknownPluginError).suggestion).toBe('to_nice_json');
  });

  test('a fully qualified filter name', () => {
    const e = caught(() => evaluateExpression('x | ansible.builtin.combin({})', { x: {} }));
    expect(e.message).toContain("No filter named 'ansible.builtin.combin'. Did you mean 'combine'?");
  });

  test('test', () => {
    const e = caught(() => evaluateExpression("v is versoin('2.0', '>=')", { v: '1' }, { file: 'play.yml', line: 7, column: 13 }));
    expect(e).toBeInstanceOf(UnknownPluginError);
    expect(e.message).toBe("play.yml:7:18: No test named 'versoin'. Did you mean 'version'?");
  });

  test('an unknown filter fails even where it would not run, as in Jinja2', () => {
    const e = caught(() => renderTemplate('{% if false %}{{ x | nope_nope }}{% endif %}'));
    expect(e).toBeInstanceOf(UnknownPluginError);
  });

  test('lookup', () => {
    const e = caught(() => evaluateExpression("lookup('fiel', 'x')", {}, { file: 'play.yml', line: 3, column: 9 }));
    expect(e.message).toBe("play.yml:3:9: The lookup plugin 'fiel' was not found. Did you mean 'file'?");
  });
});

describe('undefined variables', () => {
  test('names the variable and where it is used', () => {
    const e = caught(() => renderTemplate('upstream {\n  server {{ backend_host }}:80;\n}', {}, { file }));
    expect(e).toBeInstanceOf(UndefinedVariableError);
    expect((e as UndefinedVariableError).variable).toBe('backend_host');
    expect(e.message).toBe(`${file}:2:13: 'backend_host' is undefined`);
  });

  test('a missing attribute names the object type and the attribute', () => {
    const e = caught(() => evaluateExpression('node.cluster_ip', { node: { name: 'gpu01' } }, { file: 'hosts.yml', line: 2, column: 5 }));
    expect(e).toBeInstanceOf(UndefinedVariableError);
    expect(e.message).toBe("hosts.yml:2:10: object of type 'dict' has no attribute 'cluster_ip'");
  });

  test('an undefined variable deep inside another variable is named', () => {
    const e = caught(() => templateValue('{{ url }}', { url: 'http://{{ host }}:{{ port }}/', host: 'h' }, { file: 'vars.yml' }));
    expect(e).toBeInstanceOf(UndefinedVariableError);
    expect((e as UndefinedVariableError).variable).toBe('port');
    expect(e.message).toContain("'port' is undefined");
    expect(e.message).toContain("variable 'url'");
  });

  test('default, is defined and mandatory', () => {
    expect(evaluateExpression("missing.deep.attr | default('fallback')")).toBe('fallback');
    expect(evaluateExpression('missing.deep is defined')).toBe(false);
    const e = caught(() => evaluateExpression('token | mandatory', {}));
    expect(e).toBeInstanceOf(UndefinedVariableError);
    expect(e.message).toContain("Mandatory variable 'token' not defined.");
  });

  test('a variable that refers to itself through another is a recursion error, not a hang', () => {
    const e = caught(() => evaluateExpression('a', { a: '{{ b }}', b: '{{ a | upper }}' }));
    expect(e.kind).toBe('recursion');
    expect(e.message).toContain("Recursive loop detected in template: 'a' -> 'b' -> 'a'");
  });
});

describe('wrong argument types', () => {
  test('an operator on mismatched types', () => {
    const e = caught(() => renderTemplate("{{ 'port ' + 80 }}", {}, { file }));
    expect(e).toBeInstanceOf(TemplateTypeError);
    expect(e.message).toBe(`${file}:1:12: can only concatenate str (not "int") to str`);
  });

  test('a filter given the wrong type of input', () => {
    const e = caught(() => evaluateExpression('5 | dict2items', {}, { file: 'play.yml', line: 9, column: 20 }));
    expect(e).toBeInstanceOf(TemplateTypeError);
    expect(e.message).toBe('play.yml:9:24: dict2items requires a dictionary, got int instead.');
  });

  test('a filter given an unknown keyword', () => {
    const e = caught(() => evaluateExpression("[3, 1] | sort(revers=true)"));
    expect(e).toBeInstanceOf(TemplateTypeError);
    expect(e.message).toContain("sort() got an unexpected keyword argument 'revers'");
  });

  test('ordering values that do not order', () => {
    const e = caught(() => evaluateExpression("1 < 'a'"));
    expect(e.message).toContain("'<' not supported between instances of 'int' and 'str'");
  });
});
