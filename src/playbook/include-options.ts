/**
 * The options of include_tasks/import_tasks and include_role/import_role, checked when the task
 * loads, as ansible-core's TaskInclude.check_options and IncludeRole.load do: an unknown option
 * (`include_tasks: "{{ 'a.yml' if x == 1 else 'b.yml' }}"` splits into a bogus k=v, as there),
 * no file or role name, `apply` on an import, an `apply` or `*_from` of the wrong type. Without
 * this, such a task would run and fail (or include nothing) only when reached.
 */
import { pythonClass } from '../python/class-name.js';
import { isDict, truthy } from '../python/values.js';

const TASKS_OPTIONS: ReadonlySet<string> = new Set(['file', '_raw_params', 'apply']);
const ROLE_FROM_OPTIONS = ['tasks_from', 'vars_from', 'defaults_from', 'handlers_from'] as const;
const ROLE_OPTIONS: ReadonlySet<string> = new Set(['name', 'role', ...ROLE_FROM_OPTIONS, 'apply', 'public', 'allow_duplicates', 'rolespec_validate']);

/**
 * What is wrong with an include or import task's arguments, in ansible-core's words, or undefined.
 * `action` is the short name, `written` the name as the task wrote it (the messages use it).
 */
export function includeOptionsProblem(action: string, written: string, args: Record<string, unknown>): string | undefined {
  const tasks = action === 'include_tasks' || action === 'import_tasks';
  const role = action === 'include_role' || action === 'import_role';
  if (!tasks && !role) return undefined;
  if (role && args['name'] === undefined && args['role'] === undefined) return `'name' is a required field for ${written}.`;
  const bad = Object.keys(args).filter((k) => !(tasks ? TASKS_OPTIONS : ROLE_OPTIONS).has(k));
  if (bad.length) return `Invalid options for ${written}: ${bad.join(',')}`;
  if (tasks && !truthy(args['_raw_params'] ?? null) && !truthy(args['file'] ?? null)) return `No file specified for ${written}`;
  if (role) {
    for (const key of ROLE_FROM_OPTIONS) {
      if (key in args && typeof args[key] !== 'string') return `Expected a string for ${key} but got ${pythonClass(args[key])} instead`;
    }
  }
  // apply only for includes: an import's tasks take the import's keywords directly.
  const apply = args['apply'] ?? {};
  if (truthy(apply) && action !== 'include_tasks' && action !== 'include_role') return `Invalid options for ${written}: apply`;
  if (!isDict(apply)) return `Expected a dict for apply but got ${pythonClass(apply)} instead`;
  return undefined;
}
