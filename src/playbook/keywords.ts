/** The keywords Ansible accepts on plays, blocks, tasks and role entries. */

const COMMON = [
  'name', 'when', 'tags', 'vars', 'environment', 'become', 'become_user', 'become_method', 'become_flags', 'become_exe',
  'ignore_errors', 'ignore_unreachable', 'check_mode', 'diff', 'no_log', 'any_errors_fatal', 'run_once',
  'delegate_to', 'delegate_facts', 'connection', 'remote_user', 'port', 'module_defaults', 'collections',
  'debugger', 'throttle', 'timeout',
];

export const TASK_KEYWORDS = new Set([
  ...COMMON,
  'action', 'local_action', 'args', 'async', 'poll', 'changed_when', 'failed_when', 'until', 'retries', 'delay',
  'loop', 'loop_control', 'register', 'notify', 'listen',
]);

export const BLOCK_KEYWORDS = new Set([...COMMON, 'block', 'rescue', 'always']);

export const PLAY_KEYWORDS = new Set([
  ...COMMON,
  'hosts', 'vars_files', 'vars_prompt', 'roles', 'pre_tasks', 'tasks', 'post_tasks', 'handlers', 'gather_facts',
  'gather_subset', 'gather_timeout', 'fact_path', 'serial', 'strategy', 'max_fail_percentage', 'order',
  'force_handlers',
]);

/** Keys on a `roles:` entry that are keywords; any other key is a role parameter. */
export const ROLE_ENTRY_KEYWORDS = new Set([...COMMON, 'role']);

/** Actions the engine carries out itself, not modules: the loader expands import_*, the executor runs include_* and meta. */
export const ENGINE_ACTIONS = ['meta', 'include_tasks', 'include_role', 'import_tasks', 'import_role'] as const;

/**
 * The modules ansible-core 2.19 ships (ansible.builtin). A task naming one that the engine does not
 * implement loads as it does in Ansible, so a play whose task is skipped (a `when` for another
 * distribution, such as dnf on Debian) runs; the task fails when it runs.
 */
export const ANSIBLE_CORE_MODULES: ReadonlySet<string> = new Set([
  'add_host', 'apt', 'apt_key', 'apt_repository', 'assemble', 'assert', 'async_status', 'blockinfile', 'command', 'copy', 'cron',
  'deb822_repository', 'debconf', 'debug', 'dnf', 'dnf5', 'dpkg_selections', 'expect', 'fail', 'fetch', 'file', 'find', 'gather_facts',
  'get_url', 'getent', 'git', 'group', 'group_by', 'hostname', 'include_vars', 'iptables', 'known_hosts', 'lineinfile', 'mount_facts',
  'package', 'package_facts', 'pause', 'ping', 'pip', 'raw', 'reboot', 'replace', 'rpm_key', 'script', 'service', 'service_facts',
  'set_fact', 'set_stats', 'setup', 'shell', 'slurp', 'stat', 'subversion', 'systemd', 'systemd_service', 'sysvinit', 'tempfile',
  'template', 'unarchive', 'uri', 'user', 'validate_argument_spec', 'wait_for', 'wait_for_connection', 'yum_repository',
]);

/** Modules whose string argument is free-form text (command line, file name, meta action). */
export const RAW_PARAM_MODULES = new Set([
  'command', 'shell', 'raw', 'script', 'include_vars', 'include_tasks', 'include_role', 'import_tasks',
  'import_role', 'add_host', 'group_by', 'set_fact', 'meta', 'import_playbook',
]);

/** For command-like modules only these `k=v` words are options; the rest is the command. */
export const COMMAND_OPTIONS = new Set(['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends']);
export const COMMAND_MODULES = new Set(['command', 'shell', 'raw', 'script']);

/** Task keywords whose values are not templated before use (they are expressions or handled specially). */
export const EXPRESSION_KEYWORDS = new Set(['when', 'changed_when', 'failed_when', 'until']);
