/** How a task is named in the output: the `TASK [...]` banner and the task of every event. */
import type { TaskInfo } from '../output/events.js';
import type { Task } from '../playbook/model.js';
import type { BoundTemplar } from '../template/index.js';
import { pyStr } from '../python/values.js';

/**
 * `role : name`, or the action for an unnamed task. The banner passes the host's templar: its
 * name is then templated, and an unnamed include_role is shown with the role it includes, as
 * Ansible does; the events about a task's results carry its name as written.
 */
export function taskTitle(task: Task, templar?: () => BoundTemplar): string {
  let name = task.name ?? task.action;
  if (templar) {
    const included = task.args['name'] ?? task.args['_raw_params'];
    if (task.name === undefined && task.action === 'include_role' && typeof included === 'string') name = `include_role : ${included}`;
    if (task.name?.includes('{{')) {
      try {
        name = pyStr(templar().templateValue(task.name));
      } catch {
        // Ansible shows the raw name when it cannot be templated yet (e.g. it uses a loop variable).
      }
    }
  }
  return task.role ? `${task.role.name} : ${name}` : name;
}

export function taskInfo(task: Task, title = taskTitle(task)): TaskInfo {
  return {
    id: task.id,
    title,
    name: task.name,
    action: task.action,
    role: task.role?.name,
    file: task.location.file,
    line: task.location.line,
    column: task.location.column,
    isHandler: task.isHandler,
  };
}
