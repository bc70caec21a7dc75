/**
 * Handlers: a changed task notifies them by name, `role : name` or a `listen` topic; a flush runs
 * those notified, in the order the play lists them, on the hosts they were notified for.
 */
import type { Play, Task, TaskNode } from '../playbook/model.js';
import { pyStr } from '../python/values.js';
import type { RunContext } from './context.js';
import type { PlayContext } from './vars.js';

/** Every handler of the play, in order: its roles' (dependencies first), then its own. */
export function allHandlers(play: Play): Task[] {
  const out: Task[] = [];
  const flat = (nodes: TaskNode[]): void => {
    for (const n of nodes) {
      if (n.kind === 'task') out.push(n);
      else {
        flat(n.block);
        flat(n.rescue);
        flat(n.always);
      }
    }
  };
  const visitRole = (r: Play['roles'][number]): void => {
    r.dependencies.forEach(visitRole);
    flat(r.handlers);
  };
  play.roles.forEach(visitRole);
  flat(play.handlers);
  return out;
}

export function handlersNamed(play: Play, name: string): Task[] {
  return allHandlers(play).filter((h) => h.name === name || (h.role && `${h.role.name} : ${h.name}` === name) || h.listen.includes(name));
}

/** The hosts each handler was notified for and has not run for yet. */
export class Notifications {
  private readonly pending = new Map<number, Set<string>>();

  add(handler: Task, host: string): void {
    let hosts = this.pending.get(handler.id);
    if (!hosts) this.pending.set(handler.id, (hosts = new Set()));
    hosts.add(host);
  }

  /** Takes the handler's notifications for these hosts; other hosts keep theirs (under the free strategy they flush later). */
  take(handler: Task, hosts: readonly string[]): string[] {
    const pending = this.pending.get(handler.id);
    if (!pending?.size) return [];
    const taken = hosts.filter((h) => pending.has(h));
    for (const h of taken) pending.delete(h);
    if (!pending.size) this.pending.delete(handler.id);
    return taken;
  }
}

/** Notifies the handlers `task` names (its `notify:`) for `host`; an unknown name is reported, as Ansible does. */
export function notify(runContext: RunContext, pc: PlayContext, task: Task, host: string, notifications: Notifications): void {
  const raw = task.keywords['notify'];
  if (raw === undefined || raw === null) return;
  const bound = runContext.vm.bind(pc, host, task, undefined, { keepPythonTypes: true });
  const names = (Array.isArray(raw) ? raw : [raw]).map((n) => pyStr(bound.templateValue(n)));
  for (const name of names) {
    const handlers = handlersNamed(pc.play, name);
    if (handlers.length === 0) {
      runContext.emit({ type: 'error', message: `The requested handler '${name}' was not found in either the main handlers list nor in the listening handlers list` });
      continue;
    }
    for (const h of handlers) notifications.add(h, host);
  }
}

/** What a flush needs from the play it runs in. */
export interface HandlerFlush {
  notifications: Notifications;
  /** --force-handlers: hosts that failed run their handlers too. */
  forceHandlers: boolean;
  /** The host failed or was unreachable. */
  isOut(host: string): boolean;
  /**
   * Runs a handler on hosts as any task runs (reported, counted, notifying further handlers), then
   * the tasks it includes (include_tasks, include_role), in lock-step; a failure ends the host's play.
   */
  runHandler(handler: Task, hosts: readonly string[]): Promise<void>;
}

/** Runs the handlers notified for `hosts`, in the order the play lists them. */
export async function flushHandlers(flush: HandlerFlush, play: Play, hosts: readonly string[]): Promise<void> {
  for (const handler of allHandlers(play)) {
    const targets = flush.notifications.take(handler, hosts).filter((h) => !flush.isOut(h) || flush.forceHandlers);
    if (targets.length) await flush.runHandler(handler, targets);
  }
}
