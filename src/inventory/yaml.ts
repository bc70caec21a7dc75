/**
 * YAML (and JSON) inventories, read as Ansible's yaml plugin reads them: top-level keys are
 * groups; a group has `hosts` (names or ranges, each with its variables or nothing), `vars` and
 * `children` (groups again, nested to any depth). Keys are processed in document order. Unknown
 * keys and non-mapping groups are skipped with a warning, as Ansible does.
 */
import { isDict, typeName } from '../python/values.js';
import type { DataFile } from './datafile.js';
import { InventoryError, didYouMean } from './errors.js';
import { expandHostPattern } from './hostrange.js';
import { invalidGroupNameWarning, type InventoryData } from './model.js';

const SECTIONS = ['vars', 'children', 'hosts'];

/** Why a file is not a YAML inventory, where another plugin (INI) should be tried. */
export class NotYamlInventory extends InventoryError {}

export function parseYamlInventory(source: DataFile, file: string, data: InventoryData, warnings: string[]): void {
  const top = source.value;
  if (!truthyData(top)) throw new NotYamlInventory('Parsed empty YAML file', { file });
  if (!isDict(top)) {
    throw new NotYamlInventory(`YAML inventory has invalid structure, it should be a dictionary, got: ${typeName(top)}`, { file, ...at(source, []) });
  }
  if (truthyData(top['plugin'])) {
    throw new InventoryError(
      `Inventory plugin configuration (plugin: ${String(top['plugin'])}) is not supported: only INI and YAML inventories are`,
      { file, ...at(source, ['plugin']) },
    );
  }
  const walker = new YamlInventoryWalker(source, file, data, warnings);
  for (const key of walker.keysOf(top, [])) walker.parseGroup(key, top[key], [key]);
}

class YamlInventoryWalker {
  constructor(
    private readonly source: DataFile,
    private readonly file: string,
    private readonly data: InventoryData,
    private readonly warnings: string[],
  ) {}

  /** Keys in document order, after checking that group and host names are strings. */
  keysOf(dict: Record<string, unknown>, path: string[], what: 'group' | 'host' | 'var' = 'group'): string[] {
    const documentKeys = this.source.keysAt(path);
    if (what !== 'var') {
      for (const key of documentKeys) {
        if (key.isString) continue;
        const message =
          what === 'host'
            ? `Host pattern ${key.text} must be a string. Enclose integers/floats in quotation marks.`
            : `Invalid group name supplied, expected a string but got ${key.text}`;
        throw new InventoryError(message, { file: this.file, ...(key.position ?? {}) });
      }
    }
    const ordered = documentKeys.map((k) => k.text).filter((k) => Object.hasOwn(dict, k));
    // Keys that came in through a merge (`<<: *defaults`) have no node of their own here.
    for (const key of Object.keys(dict)) if (!ordered.includes(key)) ordered.push(key);
    return [...new Set(ordered)];
  }

  /** Adds the group and its content; false (with a warning) when `value` is not a group. */
  parseGroup(name: string, value: unknown, path: string[]): boolean {
    if (value !== null && !isDict(value)) {
      this.warn(path, `Skipping '${name}' as this is not a valid group definition`);
      return false;
    }
    this.data.addGroup(name);
    const warning = invalidGroupNameWarning(name);
    if (warning) this.warn(path, warning);
    if (value === null) return true;
    const group: Record<string, unknown> = { ...value };
    for (const section of SECTIONS) {
      if (!Object.hasOwn(group, section)) continue;
      const content = group[section];
      // A single name may stand for a one-entry mapping.
      if (typeof content === 'string') group[section] = { [content]: null };
      else if (content !== null && !isDict(content)) {
        this.fail(path.concat(section), `Invalid "${section}" entry for "${name}" group, requires a dictionary, found a ${typeName(content)} instead.`);
      }
    }
    for (const key of this.keysOf(group, path, 'var')) {
      const content = group[key];
      if (content !== null && !isDict(content)) {
        const hint = SECTIONS.includes(key) ? '' : `; group variables belong under 'vars:'`;
        this.warn(path.concat(key), `Skipping key (${key}) in group (${name}) as it is not a mapping, it is a ${typeName(content)}${hint}`);
        continue;
      }
      if (content === null) continue;
      if (key === 'vars') {
        for (const variable of Object.keys(content)) this.data.setVariable(name, variable, content[variable]);
      } else if (key === 'children') {
        for (const child of this.keysOf(content, path.concat(key))) {
          const childPath = path.concat(key, child);
          const valid = this.parseGroup(child, content[child], childPath);
          if (!valid && !this.data.groups.has(child) && !this.data.hosts.has(child)) {
            this.fail(
              childPath,
              `Invalid definition of group '${child}' (a child of '${name}'): expected a mapping with hosts, vars or children, or nothing, got a ${typeName(content[child])}`,
            );
          }
          this.guard(childPath, () => this.data.addChild(name, child));
        }
      } else if (key === 'hosts') {
        for (const pattern of this.keysOf(content, path.concat(key), 'host')) this.parseHost(name, pattern, content[pattern], path.concat(key, pattern));
      } else {
        this.warn(
          path.concat(key),
          `Skipping unexpected key (${key}) in group (${name}), only "vars", "children" and "hosts" are valid.${didYouMean(key, SECTIONS)}`,
        );
      }
    }
    return true;
  }

  private parseHost(group: string, pattern: string, value: unknown, path: string[]): void {
    const { names, port } = this.guard(path, () => expandHostPattern(pattern));
    const vars = value ?? {};
    if (!isDict(vars)) {
      this.fail(path, `Invalid variables for host '${pattern}': expected a mapping, got a ${typeName(vars)} (${JSON.stringify(vars)})`);
    }
    for (const host of names) {
      this.data.addHost(host, group, port);
      for (const key of Object.keys(vars)) this.data.setVariable(host, key, vars[key]);
    }
  }

  /** Runs `action`, giving its InventoryError the position of `path`. */
  private guard<T>(path: string[], action: () => T): T {
    try {
      return action();
    } catch (e) {
      if (e instanceof InventoryError && e.file === undefined) return this.fail(path, e.detail);
      throw e;
    }
  }

  private fail(path: string[], message: string): never {
    throw new InventoryError(message, { file: this.file, ...at(this.source, path) });
  }

  private warn(path: string[], message: string): void {
    const position = this.source.locate(path, 'key');
    this.warnings.push(`${this.file}${position ? `:${position.line}:${position.column}` : ''}: ${message}`);
  }
}

function at(source: DataFile, path: string[]): { line?: number; column?: number } {
  const position = source.locate(path);
  return position ? { line: position.line, column: position.column } : {};
}

/** Python truthiness of loaded data. */
function truthyData(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isDict(value)) return Object.keys(value).length > 0;
  return true;
}
