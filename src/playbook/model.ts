/** The loaded playbook: plays, blocks, tasks, roles, handlers. Values are raw (templated at run time). */
import type { Location } from './errors.js';

/** Keywords a block passes down to its tasks (Ansible's inheritable attributes). */
export interface Inherited {
  when?: unknown[];
  tags?: unknown[];
  become?: unknown;
  become_user?: unknown;
  become_method?: unknown;
  environment?: unknown[];
  ignore_errors?: unknown;
  ignore_unreachable?: unknown;
  check_mode?: unknown;
  diff?: unknown;
  delegate_to?: unknown;
  delegate_facts?: unknown;
  run_once?: unknown;
  no_log?: unknown;
  any_errors_fatal?: unknown;
  vars?: Record<string, unknown>;
  connection?: unknown;
  remote_user?: unknown;
  throttle?: unknown;
  timeout?: unknown;
}

export interface Task {
  kind: 'task';
  /** Play order, for running hosts in lock-step and for --start-at-task. */
  id: number;
  name: string | undefined;
  /** The module, by its short name ('copy', 'include_tasks', 'meta'). */
  action: string;
  /** Named as `ansible.builtin.<action>`: the built-in one, never an action_plugins/ file of that name. */
  builtin?: boolean;
  /** As written: the module's arguments (free-form text under _raw_params). */
  args: Record<string, unknown>;
  /**
   * Arguments that come whole from templates (`args: "{{ opts }}"`, `assert: "{{ item }}"`), each
   * resolving to a mapping when the task runs; lowest priority first, `args` over them all.
   */
  argTemplates?: string[];
  /** Free-form words a module that takes only key=value arguments was given: the task fails with this when it runs. */
  rawParamsError?: string;
  /** The task's own keywords (when, loop, register, ...), untemplated. */
  keywords: Record<string, unknown>;
  /** `with_items: x` becomes loop 'items' with x as terms. */
  loopLookup: string | undefined;
  parent: Block | undefined;
  role: RoleInstance | undefined;
  /** The file the task was written in (relative paths resolve from it). */
  file: string;
  location: Location;
  /** Where each keyword's value (`when`) and argument's value (`args.dest`) starts. */
  locations: Record<string, Location>;
  /** For handlers: `listen` topics. */
  listen: string[];
  isHandler: boolean;
  /** Set on tasks created by include_tasks/include_role: the include's variables and parent task. */
  includeVars?: Record<string, unknown>;
  includedFrom?: Task;
}

export interface Block {
  kind: 'block';
  id: number;
  name: string | undefined;
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
  /** Keywords set on the block itself (inherited by its tasks). */
  keywords: Record<string, unknown>;
  parent: Block | undefined;
  role: RoleInstance | undefined;
  file: string;
  location: Location;
}

export type TaskNode = Task | Block;

export interface RoleInstance {
  name: string;
  path: string;
  /** Role parameters (`- role: x` with extra keys, or include_role vars). */
  params: Record<string, unknown>;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  tasks: TaskNode[];
  handlers: TaskNode[];
  /** Roles this one depends on (meta/main.yml), already loaded. */
  dependencies: RoleInstance[];
  /** Keywords on the role entry in the play (when, tags, become, ...). */
  keywords: Record<string, unknown>;
  allowDuplicates: boolean;
  /** The roles that pulled this one in (for role_name/role_path and defaults precedence). */
  parentRole: RoleInstance | undefined;
  /** Brought in by include_role or import_role (not a play's role, not a dependency). */
  viaInclude?: boolean;
}

export interface VarsPrompt {
  name: string;
  prompt: string;
  default: unknown;
  private: boolean;
}

export interface Play {
  name: string | undefined;
  hosts: unknown;
  keywords: Record<string, unknown>;
  vars: Record<string, unknown>;
  varsFiles: unknown[];
  varsPrompt: VarsPrompt[];
  roles: RoleInstance[];
  /** Roles brought in by import_role: their defaults and vars are visible to the whole play. */
  importedRoles: RoleInstance[];
  /** Roles include_role brought in so far (one per distinct include), for ansible_play_role_names. */
  includedRoles?: RoleInstance[];
  preTasks: TaskNode[];
  tasks: TaskNode[];
  postTasks: TaskNode[];
  handlers: TaskNode[];
  file: string;
  /** The directory of the playbook file that holds this play. */
  baseDir: string;
  location: Location;
}

export interface Playbook {
  file: string;
  plays: Play[];
}

/** The blocks around a task or block, outermost first (role entries and imports are blocks too). */
/**
 * The `collections:` search list a task's short module names are looked up in: the task's own,
 * else the nearest block's, else (outside roles: Ansible does not hand a play's list to its roles)
 * the play's.
 */
export function collectionsInScope(own: unknown, parent: Block | undefined, role: RoleInstance | undefined, play: unknown): string[] {
  const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : undefined);
  const mine = list(own);
  if (mine) return mine;
  for (let b = parent; b; b = b.parent) {
    const found = list(b.keywords['collections']);
    if (found) return found;
  }
  return role ? [] : (list(play) ?? []);
}

export function blockChain(node: TaskNode): Block[] {
  const chain: Block[] = [];
  for (let b = node.parent; b; b = b.parent) chain.unshift(b);
  return chain;
}
