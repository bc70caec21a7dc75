/**
 * The modules of ansible.builtin (ansible-core 2.19), by their short names. A playbook written for
 * ansible-playbook may name one that playbook does not carry (dnf on a Debian-only run, apt_key in
 * a task that a `when` skips): the task loads, as in Ansible, and fails only if it runs. A name no
 * one ships is still refused when the playbook loads.
 */
export const ANSIBLE_BUILTIN_MODULES: ReadonlySet<string> = new Set([
  'add_host', 'apt', 'apt_key', 'apt_repository', 'assemble', 'assert', 'async_status', 'blockinfile', 'command',
  'copy', 'cron', 'deb822_repository', 'debconf', 'debug', 'dnf', 'dnf5', 'dpkg_selections', 'expect', 'fail',
  'fetch', 'file', 'find', 'gather_facts', 'get_url', 'getent', 'git', 'group', 'group_by', 'hostname',
  'import_playbook', 'import_role', 'import_tasks', 'include_role', 'include_tasks', 'include_vars', 'iptables',
  'known_hosts', 'lineinfile', 'meta', 'mount_facts', 'package', 'package_facts', 'pause', 'ping', 'pip', 'raw',
  'reboot', 'replace', 'rpm_key', 'script', 'service', 'service_facts', 'set_fact', 'set_stats', 'setup', 'shell',
  'slurp', 'stat', 'subversion', 'systemd', 'systemd_service', 'sysvinit', 'tempfile', 'template', 'unarchive',
  'uri', 'user', 'validate_argument_spec', 'wait_for', 'wait_for_connection', 'yum_repository',
  // Redirected by ansible-core's runtime routing to one of the above.
  'yum',
]);

/** Whether `name` (short, ansible.builtin.* or ansible.legacy.*) is one of ansible.builtin's modules. */
export function isAnsibleBuiltinModule(name: string): boolean {
  const m = /^(?:ansible\.(?:builtin|legacy)\.)?(\w+)$/.exec(name);
  return m !== null && ANSIBLE_BUILTIN_MODULES.has(m[1]!);
}

/**
 * The action as ansible-core's messages name it (its resolved FQCN): a short name of
 * ansible.builtin's as `ansible.builtin.<name>`, any other name as written.
 */
export function resolvedActionName(action: string): string {
  return action.includes('.') || !isAnsibleBuiltinModule(action) ? action : `ansible.builtin.${action}`;
}

/** Why a task naming an ansible.builtin module that playbook does not carry fails when it runs. */
export function notCarriedMessage(name: string): string {
  return `couldn't resolve module/action '${name}': ansible-core has this module, but playbook does not carry it`;
}
