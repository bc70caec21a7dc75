/** What a run reports, in order. Reporters (text, JSON lines, ...) turn these into output. */

export type HostStatus = 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';

export interface TaskInfo {
  id: number;
  /** As shown in `TASK [...]`: `role : name`, or the action when the task has no name. */
  title: string;
  name: string | undefined;
  action: string;
  role: string | undefined;
  file: string;
  line: number;
  column: number;
  isHandler: boolean;
}

/** What an error was caused by, and where: ansible-core shows it after `<<< caused by >>>`. */
export interface ErrorCause {
  message: string;
  file: string;
  line: number;
  column: number;
}

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type RunEvent =
  | { type: 'playbook_start'; file: string }
  | { type: 'play_start'; name: string; hosts: string[] }
  | { type: 'no_hosts_matched'; pattern: string }
  | { type: 'no_hosts_remaining' }
  /** A task starts on these hosts (each ends with its `host_done`). */
  | { type: 'task_start'; task: TaskInfo; hosts: string[] }
  /** A host has finished the task: its results (every loop item's) are reported. */
  | { type: 'host_done'; task: TaskInfo; host: string }
  | {
      type: 'host_result';
      task: TaskInfo;
      host: string;
      status: HostStatus;
      result: Record<string, unknown>;
      /** Set for one item of a loop. */
      item?: { label: unknown };
      /**
       * The end of a failed loop whose items were reported one by one: the result is the whole
       * task's, and only whether its failure was ignored is shown (Ansible's `...ignoring`).
       */
      loopEnd?: boolean;
      ignored: boolean;
      delegatedTo?: string;
      /** The delegate's ansible_host, when it has one: `node2 -> node1(127.0.0.1)`, as Ansible's host_label. */
      delegatedHost?: string;
      /** The task's verbosity-gated output (debug with verbosity:) is hidden below this. */
      verbosity?: number;
      /** The `[ERROR]: Task failed: ...` line shown above the result (a result with an exception, failed or not). */
      error?: string;
      /** The error's cause, with its own position (a template error in the task's arguments). */
      errorCause?: ErrorCause;
    }
  /** include_tasks/include_role: which hosts include which file (one line per file and item). */
  | { type: 'included'; task: TaskInfo; file: string; hosts: string[]; item?: { label: unknown } }
  /** `label`: the task as Ansible's retry line names it (the templated name, without the role); `delegatedTo` as in host_result. */
  | { type: 'host_retry'; task: TaskInfo; host: string; attempt: number; retries: number; result: Record<string, unknown>; label?: string; delegatedTo?: string }
  /** An async task with poll > 0: a poll found the job running, or the job ended (ok or failed). */
  | { type: 'host_async'; task: TaskInfo; host: string; jid: string; phase: 'poll' | 'ok' | 'failed' }
  /** A long-running module's progress (synchronize's transfer), as the module reports it. */
  | { type: 'host_progress'; task: TaskInfo; host: string; message: string }
  /** A line for -v and above (`verbosity` is the least that shows it): which way a module ran. */
  | { type: 'host_verbose'; task: TaskInfo; host: string; message: string; verbosity: number }
  | { type: 'warning'; message: string }
  | { type: 'error'; message: string }
  | { type: 'recap'; stats: Record<string, HostStats> };

export interface Reporter {
  event(event: RunEvent): void;
}
