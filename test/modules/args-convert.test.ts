/** Argument conversion as Ansible's check_type_str does it: anything not text becomes its Python text. */
import { expect, test } from 'vitest';
import { validateArgs } from '../../src/modules/args.js';

const spec = { options: { path: { type: 'path' }, name: { type: 'str' }, names: { type: 'list', elements: 'str' } } } as const;

test('a dict or list given to a str or path option is its Python text, as ansible-core 2.19 converts it (user target: file path: "{{ item }}" over find results)', () => {
  const args = validateArgs('x', spec, { path: { path: '/tmp/f', isreg: true }, name: ['a', 1], names: [{ k: null }] });
  expect(args).toMatchObject({ path: "{'path': '/tmp/f', 'isreg': True}", name: "['a', 1]", names: ["{'k': None}"] });
  expect(validateArgs('x', spec, { name: 8080 }).name).toBe('8080');
});
