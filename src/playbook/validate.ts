/**
 * Checks a loaded playbook before any host is touched: module arguments (names, required ones),
 * every template (syntax, unknown filters and tests). Every problem is reported with file:line:column, all at once.
 *
 * Ansible refuses a playbook before running only what it cannot parse (its YAML, its structure).
 * A template's syntax error, an unknown filter or test, a module's bad arguments fail the task when
 * (and only if) it runs (ansible-core 2.19 templates lazily), so a skipped or rescued task passes.
 * Those findings are `deferred`: the caller reports them as warnings and runs (or, under validate
 * and --strict, refuses).
 * Nothing is evaluated here: templates are compiled, never rendered, so no lookup runs.
 */
import { ArgumentError } from '../modules/args.js';
import type { Module } from '../modules/types.js';
import { TemplateError, type Templar } from '../template/index.js';
import { isDict } from '../python/values.js';
import { type Location, PlaybookError } from './errors.js';
import { ENGINE_ACTIONS } from './keywords.js';
import { type Play, type Playbook, type RoleInstance, type Task, type TaskNode, blockChain } from './model.js';

export interface ValidateOptions {
  module(name: string): Module | undefined;
  templar: Templar;
}

// The engine's own actions are no modules; validate_argument_spec's arguments come from the role's meta/argument_specs.
const UNCHECKED_ACTIONS = new Set([...ENGINE_ACTIONS, 'validate_argument_spec']);
const TEMPLATED_KEYWORDS = ['name', 'loop', 'notify', 'delegate_to', 'register', 'retries', 'delay', 'environment', 'vars'];
const EXPRESSION_KEYWORDS = ['when', 'changed_when', 'failed_when', 'until'];

/** ignore_errors (unless literally false) or failed_when: the playbook deals with this task failing. */
function failureHandled(keywords: Record<string, unknown>): boolean {
  const ignore = keywords['ignore_errors'];
  return (ignore !== undefined && ignore !== false && ignore !== 'false' && ignore !== 'no') || keywords['failed_when'] !== undefined;
}

export interface ValidationFindings {
  /** What Ansible cannot parse either: the playbook is refused. */
  errors: PlaybookError[];
  /** What fails only when its task runs: a warning before a run, an error under validate and --strict. */
  deferred: PlaybookError[];
}

export function validatePlaybook(playbook: Playbook, options: ValidateOptions): ValidationFindings {
  const errors: PlaybookError[] = [];
  const deferred: PlaybookError[] = [];
  const seenRoles = new Set<RoleInstance>();

  const compile = (value: unknown, at: Location, expression: boolean): void => {
    const visit = (v: unknown): void => {
      if (typeof v === 'string') {
        if (!expression && !v.includes('{{') && !v.includes('{%') && !v.includes('{#')) return;
        try {
          if (expression) {
            const text = v.trim().replace(/^\{\{([\s\S]*)\}\}$/, '$1');
            if (text.trim()) options.templar.env.compile(`{{ ${text} }}`, { file: at.file, line: at.line, column: at.column - 3 });
          } else {
            options.templar.env.compile(v, { file: at.file, line: at.line, column: at.column });
          }
        } catch (e) {
          if (e instanceof TemplateError) {
            deferred.push(new PlaybookError(e.detail, { file: e.file, line: e.line, column: Math.max(1, e.column) }));
          } else throw e;
        }
      } else if (Array.isArray(v)) v.forEach(visit);
      else if (isDict(v)) Object.values(v).forEach(visit);
    };
    visit(value);
  };

  /**
   * Ansible finds a module's bad arguments only when the task runs, so a playbook can expect the
   * failure (ignore_errors, failed_when, a rescue) and go on: such a task's problem is not reported
   * at all, not even by validate. Everywhere else it is a deferred finding. A missing `src:`
   * file of copy or template is not a load-time error at all: an earlier task may make it (on the
   * controller, delegated to localhost), and Ansible looks for it when the task runs.
   */
  let playHasDefaults = false;
  /** module_defaults may supply required arguments: such a task's arguments are checked when it runs. */
  const defaultsAbove = (task: Task): boolean => {
    if (playHasDefaults || task.keywords['module_defaults'] !== undefined) return true;
    if (blockChain(task).some((b) => b.keywords['module_defaults'] !== undefined)) return true;
    for (let r = task.role; r; r = r.parentRole) if (r.keywords['module_defaults'] !== undefined) return true;
    return false;
  };

  const checkTask = (task: Task, handled: boolean): void => {
    const at = task.location;
    const where = (key: string): Location => task.locations[key] ?? at;
    for (const key of EXPRESSION_KEYWORDS) {
      const v = task.keywords[key];
      if (v === undefined || typeof v === 'boolean') continue;
      for (const cond of Array.isArray(v) ? v : [v]) if (typeof cond === 'string') compile(cond, where(key), true);
    }
    for (const key of TEMPLATED_KEYWORDS) if (task.keywords[key] !== undefined) compile(task.keywords[key], where(key), false);
    for (const [key, value] of Object.entries(task.args)) compile(value, where(`args.${key}`), false);
    if (task.rawParamsError !== undefined && !handled && !failureHandled(task.keywords)) deferred.push(new PlaybookError(task.rawParamsError, task.location));
    const module = options.module(task.action);
    if (!module || UNCHECKED_ACTIONS.has(task.action) || task.argTemplates || handled || failureHandled(task.keywords) || defaultsAbove(task)) return;
    // Argument names and required arguments are known before templating (unless the arguments come whole from a template); types and choices are not.
    try {
      module.checkArgumentNames(task.args);
    } catch (e) {
      if (e instanceof ArgumentError) deferred.push(new PlaybookError(`${e.message}${e.hint} (in task ${task.name ? `'${task.name}'` : task.action})`, at));
      else throw e;
    }
  };

  const visit = (nodes: TaskNode[], handled = false): void => {
    for (const node of nodes) {
      if (node.kind === 'task') checkTask(node, handled);
      else {
        for (const key of EXPRESSION_KEYWORDS) {
          const v = node.keywords[key];
          if (typeof v === 'string' || Array.isArray(v)) for (const c of Array.isArray(v) ? v : [v]) if (typeof c === 'string') compile(c, node.location, true);
        }
        const inner = handled || failureHandled(node.keywords);
        visit(node.block, inner || node.rescue.length > 0);
        visit(node.rescue, inner);
        visit(node.always, inner);
      }
    }
  };

  const visitRole = (role: RoleInstance): void => {
    if (seenRoles.has(role)) return;
    seenRoles.add(role);
    role.dependencies.forEach(visitRole);
    visit(role.tasks);
    visit(role.handlers);
  };

  for (const play of playbook.plays as Play[]) {
    playHasDefaults = play.keywords['module_defaults'] !== undefined;
    compile(play.vars, play.location, false);
    play.roles.forEach(visitRole);
    visit(play.preTasks);
    visit(play.tasks);
    visit(play.postTasks);
    visit(play.handlers);
  }
  return { errors, deferred };
}
