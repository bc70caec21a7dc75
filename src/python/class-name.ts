/** Python class names of values from a playbook, as Ansible 2.19 prints them in its messages. */
import { typeName } from './values.js';

/**
 * The Python class of a value in a task's arguments, as Ansible 2.19 names it: values from the
 * playbook carry their origin (a tagged str, int, float, list or dict); None and bool cannot.
 */
export function taggedClassName(value: unknown): string {
  const name = typeName(value);
  return ['str', 'int', 'float', 'list', 'dict'].includes(name) ? `_AnsibleTagged${name[0]!.toUpperCase()}${name.slice(1)}` : name;
}

/** The class as Python prints it (`<class ...>`). */
export function pythonClass(value: unknown): string {
  const name = taggedClassName(value);
  return name.startsWith('_AnsibleTagged') ? `<class 'ansible.module_utils._internal._datatag.${name}'>` : `<class '${name}'>`;
}
