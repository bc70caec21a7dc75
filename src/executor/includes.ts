/** include_tasks, include_role and meta: tasks that change what a host runs next. */
import type { Block, Task, TaskNode } from '../playbook/model.js';
import { resolveTaskFile } from '../playbook/loader.js';
import { isDict, pyStr } from '../python/values.js';
import { TemplateError, taskFailureMessage } from '../template/index.js';
import type { RunContext } from './context.js';
import { type Feedback, type IncludedFile, isMetaAction } from './feedback.js';
import { loopControl, loopItemVars, loopItems } from './loop-items.js';
import type { PlayContext } from './vars.js';

function markIncluded(nodes: TaskNode[], from: Task, vars: Record<string, unknown>): void {
  for (const n of nodes) {
    if (n.kind === 'task') {
      n.includedFrom = from;
      n.includeVars = { ...vars, ...(n.includeVars ?? {}) };
    } else {
      markIncluded(n.block, from, vars);
      markIncluded(n.rescue, from, vars);
      markIncluded(n.always, from, vars);
    }
  }
}

export class IncludeHandler {
  /**
   * Hosts that include the same file with the same variables share the loaded tasks, so the
   * linear strategy runs them together (Ansible groups them the same way).
   */
  private readonly loaded = new Map<string, { block: Block; files: string[] }>();

  constructor(private readonly runContext: RunContext) {}

  async run(pc: PlayContext, task: Task, host: string, whenHolds: (extra?: Record<string, unknown>) => boolean): Promise<Feedback> {
    const { vm, loader } = this.runContext;
    const bound = vm.bind(pc, host, task, undefined, { keepPythonTypes: true });
    if (task.action === 'meta') {
      const action = pyStr(bound.templateValue(task.args['_raw_params'] ?? ''));
      if (!isMetaAction(action)) {
        return { status: 'failed', ignored: false, result: { failed: true, changed: false, msg: `invalid meta action requested: ${action}` } };
      }
      if (task.keywords['when'] !== undefined && !whenHolds()) {
        return { status: 'skipped', ignored: false, result: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } };
      }
      const st = vm.state(host);
      if (action === 'clear_facts') st.facts = {};
      if (action === 'clear_host_errors') st.failed = false;
      const feedback: Feedback = { status: 'ok', ignored: false, result: { changed: false }, meta: action };
      if (action === 'end_host' || action === 'end_play' || action === 'end_batch') feedback.endHost = true;
      return feedback;
    }
    const items: Array<Record<string, unknown> | undefined> = [];
    if (task.keywords['loop'] !== undefined) {
      // loop: or with_<lookup>:, as a task's; a loop that cannot be had fails the include (an
      // undefined variable in it only when the include's `when` holds).
      let list: unknown[];
      try {
        list = loopItems(task, bound);
      } catch (e) {
        if (e instanceof TemplateError && e.kind === 'undefined' && !whenHolds()) {
          return { status: 'skipped', ignored: false, result: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } };
        }
        return { status: 'failed', ignored: false, result: { failed: true, msg: e instanceof TemplateError ? taskFailureMessage(e) : e instanceof Error ? e.message : String(e) } };
      }
      const control = loopControl(task, bound);
      list.forEach((_item, i) => items.push(loopItemVars(control, list, i)));
    } else items.push(undefined);
    const included: TaskNode[] = [];
    const files: string[] = [];
    const lines: IncludedFile[] = [];
    const loopVar = String(loopControl(task, bound)['loop_var'] ?? 'item');
    for (const locals of items) {
      const itemLabel = locals ? { label: locals[loopVar] } : undefined;
      if (!whenHolds(locals)) continue;
      const itemBound = locals ? vm.bind(pc, host, task, locals, { keepPythonTypes: true }) : bound;
      const args = itemBound.templateValue(task.args) as Record<string, unknown>;
      const taskVars = isDict(task.keywords['vars']) ? (itemBound.templateValue(task.keywords['vars']) as Record<string, unknown>) : {};
      const vars = { ...taskVars, ...(locals ?? {}) };
      const apply = isDict(args['apply']) ? args['apply'] : {};
      const cacheKey = `${task.id}\u0000${JSON.stringify(args)}\u0000${JSON.stringify(vars)}`;
      const cached = this.loaded.get(cacheKey);
      if (cached) {
        included.push(cached.block);
        files.push(...cached.files);
        for (const f of cached.files) lines.push({ file: f, ...(itemLabel ? { item: itemLabel } : {}) });
        continue;
      }
      const wrapper: Block = {
        kind: 'block', id: task.id, name: task.name, block: [], rescue: [], always: [], keywords: { ...apply },
        parent: task.parent, role: task.role, file: task.file, location: task.location,
      };
      const before = files.length;
      if (task.action === 'include_tasks') {
        const name = pyStr(args['file'] ?? args['_raw_params'] ?? '');
        const file = resolveTaskFile(name, task, vm.playbookDir);
        if (!file) {
          return { status: 'failed', ignored: false, result: { failed: true, changed: false, msg: `Could not find or access '${name}'` } };
        }
        files.push(file);
        wrapper.block = loader.loadTasksFile(file, task.role, wrapper, task.isHandler, vm.playbookDir, pc.play);
      } else {
        const name = pyStr(args['name'] ?? args['_raw_params'] ?? '');
        const role = loader.loadRoleForInclude({ role: name, ...vars }, task.location, vm.playbookDir, task.role, {
          tasksFrom: args['tasks_from'] === undefined ? undefined : pyStr(args['tasks_from']),
          varsFrom: args['vars_from'] === undefined ? undefined : pyStr(args['vars_from']),
          defaultsFrom: args['defaults_from'] === undefined ? undefined : pyStr(args['defaults_from']),
          handlersFrom: args['handlers_from'] === undefined ? undefined : pyStr(args['handlers_from']),
        }, pc.play);
        role.params = { ...role.params, ...vars };
        (pc.play.includedRoles ??= []).push(role);
        files.push(role.name);
        wrapper.role = role;
        wrapper.block = loader.roleTasks(role, wrapper);
        // A role included several times contributes its handlers once (they run once per flush).
        const known = new Set(pc.play.handlers.map((h) => `${h.role?.path ?? ''}\u0000${h.kind === 'task' ? h.name : h.id}`));
        pc.play.handlers.push(...role.handlers.filter((h) => !known.has(`${role.path}\u0000${h.kind === 'task' ? h.name : h.id}`)));
      }
      markIncluded([wrapper], task, vars);
      for (const f of files.slice(before)) lines.push({ file: f, ...(itemLabel ? { item: itemLabel } : {}) });
      this.loaded.set(cacheKey, { block: wrapper, files: files.slice(before) });
      included.push(wrapper);
    }
    if (included.length === 0) {
      return { status: 'skipped', ignored: false, result: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } };
    }
    return { status: 'ok', ignored: false, result: { changed: false, include: files.join(', ') }, includedTasks: included, includedFiles: lines };
  }
}
