/**
 * Ansible's linear strategy: the hosts go in lock-step, each task on every host at it before the
 * next task; a `meta: flush_handlers` flushes the whole batch's handlers.
 */
import type { Task } from '../../playbook/model.js';
import type { Strategy } from './strategy.js';

/** The task's place in the play: its id under the ids of the includes that added it. */
function playOrder(task: Task): number[] {
  const path: number[] = [];
  for (let t: Task | undefined = task; t; t = t.includedFrom) path.unshift(t.id);
  return path;
}

function runsBefore(a: Task, b: Task): boolean {
  const x = playOrder(a);
  const y = playOrder(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return x.length < y.length;
}

export const linear: Strategy = {
  async run(section) {
    while (!section.ended()) {
      // The task that comes first in the play among those the hosts are at.
      let task: Task | undefined;
      for (const w of section.walkers) if (w.next && (!task || runsBefore(w.next, task))) task = w.next;
      if (!task) break;
      const group = section.walkers.filter((w) => w.next === task);
      const feedbacks = await section.runTask(task, group.map((w) => w.host));
      if (task.action === 'meta' && feedbacks.some((f) => f.meta === 'flush_handlers')) await section.flushHandlers(section.hosts);
      group.forEach((w, i) => w.advance(feedbacks[i]!));
      section.checkFailures(task);
    }
  },
};
