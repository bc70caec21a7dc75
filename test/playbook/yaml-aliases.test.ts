/** Anchors, aliases and the merge key in playbooks, as Ansible's YAML loader reads them. */
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/playbook/yaml.js';

describe('playbook YAML: anchors and aliases', () => {
  it('an alias is a copy of the anchored value (a task reusing another task\'s vars)', () => {
    const tasks = parseYaml('- debug: msg=a\n  vars: &v\n    foo: one\n- debug: msg=b\n  vars: *v\n', 'pb.yml') as Array<Record<string, unknown>>;
    expect(tasks[1]!['vars']).toEqual({ foo: 'one' });
    expect(tasks[1]!['vars']).not.toBe(tasks[0]!['vars']);
  });

  it('merge keys: merged mappings first (the first one wins), the own keys override them', () => {
    const vars = parseYaml('base: &b { a: 1, b: 2 }\nother: &o { b: 3, c: 4 }\nmerged:\n  <<: [*b, *o]\n  c: 5\none:\n  x: 0\n  <<: *b\n', 'v.yml') as Record<string, Record<string, number>>;
    // ansible-playbook 2.19 prints these two as {'a': 1, 'b': 2, 'c': 5} {'a': 1, 'b': 2, 'x': 0}.
    expect(Object.entries(vars['merged']!)).toEqual([['a', 1], ['b', 2], ['c', 5]]);
    expect(Object.entries(vars['one']!)).toEqual([['a', 1], ['b', 2], ['x', 0]]);
  });
});
