/**
 * Known ways out of a JavaScript template engine (nunjucks' `range.constructor("return process")()`
 * and friends). Every one must fail with a TemplateError, and none may run code or change anything
 * outside the template.
 */
import { describe, expect, test } from 'vitest';
import { TemplateError, evaluateExpression, renderTemplate } from '../../src/index.js';

const escapes = [
  "range.constructor('return process')()",
  "lookup.constructor('return process')()",
  "''.constructor.constructor('return process')()",
  "[].constructor.constructor('return process')()",
  "{}.constructor.constructor('return process')()",
  "x.constructor.constructor('return process')()",
  "x['constructor']['constructor']('return process')()",
  "x.__proto__.constructor",
  "x['__proto__']['constructor']",
  "x.prototype",
  "(1).constructor",
  "true.constructor",
  "namespace().constructor",
  "cycler(1).constructor",
  "x.hasOwnProperty('a')",
  "x.toString()",
  "x.valueOf()",
  "'abc'.toUpperCase()",
  "'abc'.constructor.fromCharCode(65)",
  "'abc'.at(0)",
  "[1].map",
  "[1].concat([2])",
  "loop.constructor",
  "self.__init__.__globals__",
  "x.__class__.__mro__[1].__subclasses__()",
  "f()",
  "f.call(null)",
  "getter.env",
  "date.getTime()",
  "m.get('k')",
  "buffer.toString()",
];

const vars = {
  x: { a: 1 },
  f: () => 'should never run',
  get getter(): unknown {
    return { env: process.env };
  },
  date: new Date(0),
  m: new Map([['k', 'v']]),
  buffer: Buffer.from('secret'),
};

describe('sandbox: no JavaScript is reachable from a template', () => {
  test.each(escapes)('%s', (expr) => {
    expect(() => evaluateExpression(expr, vars)).toThrow(TemplateError);
  });

  test('the same escapes fail inside a rendered template, in a loop and in a macro', () => {
    for (const expr of escapes) {
      expect(() => renderTemplate(`{% for i in [1] %}{{ ${expr} }}{% endfor %}`, vars)).toThrow(TemplateError);
      expect(() => renderTemplate(`{% macro m() %}{{ ${expr} }}{% endmacro %}{{ m() }}`, vars)).toThrow(TemplateError);
    }
  });

  test('a getter on a variable is never called', () => {
    let called = false;
    const tricky = Object.defineProperty({}, 'secret', {
      enumerable: true,
      get() {
        called = true;
        return 'leaked';
      },
    });
    expect(() => evaluateExpression('t.secret', { t: tricky })).toThrow(TemplateError);
    expect(evaluateExpression("t.secret | default('safe')", { t: tricky })).toBe('safe');
    expect(called).toBe(false);
  });

  test('__proto__ keys are plain data and pollute no prototype', () => {
    const d: Record<string, unknown> = {};
    renderTemplate("{% set _ = d.update({'__proto__': {'polluted': 1}}) %}", { d });
    expect(Object.prototype.hasOwnProperty.call(d, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);

    const merged = evaluateExpression(`{'a': 1} | combine('{"__proto__": {"polluted": 2}}' | from_json)`) as Record<string, unknown>;
    expect(Object.keys(merged)).toEqual(['a', '__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    evaluateExpression("dict(**{'__proto__': {'polluted': 3}})");
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  test('a template cannot assign to anything but a namespace', () => {
    expect(() => renderTemplate('{% set x.a = 2 %}', { x: { a: 1 } })).toThrow('cannot assign attribute on non-namespace object');
    expect(() => renderTemplate('{% set range.constructor = 2 %}')).toThrow(TemplateError);
  });

  test('allowed methods still work: the allow-list is not a deny-all', () => {
    expect(evaluateExpression("'a,b'.split(',') + x.keys() | list", { x: { a: 1 } })).toEqual(['a', 'b', 'a']);
    expect(evaluateExpression("'%s=%d' % ('n', 2)")).toBe('n=2');
  });
});
