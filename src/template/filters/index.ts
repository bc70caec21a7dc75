/** The filter registry: Jinja2's built-ins, overridden and extended by ansible.builtin's. */
import type { FilterRegistry } from '../plugins.js';
import { ANSIBLE_FILTERS } from './ansible.js';
import { JINJA_FILTERS } from './jinja.js';
import { VAULT_FILTERS } from './vault.js';

export function createFilterRegistry(): FilterRegistry {
  return new Map(Object.entries({ ...JINJA_FILTERS, ...ANSIBLE_FILTERS, ...VAULT_FILTERS }));
}
