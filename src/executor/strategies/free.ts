/**
 * Ansible's free strategy: each host runs its tasks as fast as it can, without waiting for the
 * others; a `meta: flush_handlers` flushes that host's handlers when it gets there.
 */
import type { Strategy } from './strategy.js';

export const free: Strategy = {
  async run(section) {
    await Promise.all(
      section.walkers.map(async (walker) => {
        while (walker.next && !section.ended()) {
          const task = walker.next;
          const [feedback] = await section.runTask(task, [walker.host]);
          if (task.action === 'meta' && feedback!.meta === 'flush_handlers') await section.flushHandlers([walker.host]);
          walker.advance(feedback!);
        }
      }),
    );
  },
};
