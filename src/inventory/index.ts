/**
 * The inventory subsystem: INI and YAML inventories, directories and host lists, group_vars and
 * host_vars, host patterns, and ansible-inventory's output formats.
 */
export { loadInventory, Inventory } from './inventory.js';
export type { LoadInventoryOptions, ResolvePatternOptions } from './inventory.js';
export { InventoryError } from './errors.js';
export { readEntityVars, findVarsFiles } from './varsfiles.js';
export type { VarLayer, VarsKind } from './varsfiles.js';
export { formatInventoryJson } from './output.js';
export { splitHostPattern } from './patterns.js';
export type { Vars } from './model.js';
