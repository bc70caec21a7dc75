/**
 * Which of ansible-core's integration targets the suite runs against a lab node, and why the
 * others of our modules' targets do not run here. ansible-test runs each on a host it may change
 * freely; so do we (a lab node, as root through sudo).
 */

/** Targets ansible-playbook passes on a lab node: playbook must pass them too. */
export const RUNNABLE_TARGETS: readonly string[] = [
  'getent',
  'service_facts',
  'service',
  'systemd',
  'command_shell',
  'replace',
  'assemble',
  'script',
  'hostname',
  'wait_for',
];

/** Targets of our modules that do not run here, and why. */
export const NOT_RUNNABLE_TARGETS: Readonly<Record<string, string>> = {
  stat: 'ansible-playbook fails it on a lab node too: the node image has no `file` command, so stat reports no mimetype',
  lineinfile: "ansible-playbook fails it on a lab node too: its ACL tasks need setfacl (the acl package), which the node image lacks",
  file: 'ansible-playbook fails it on a lab node too (an assertion about a user the node image lacks)',
  copy: 'ansible-playbook fails it on a lab node too (an assertion about a user the node image lacks)',
  fetch: 'a script target (runme.sh drives ansible-playbook itself with its own inventory), not a role',
  user: "ansible-playbook fails it on a lab node too: test_local.yml installs libuser (`action: \"{{ ansible_facts.pkg_mgr }}\"`, for luseradd), which the lab's apt mirror does not carry (\"No package matching 'libuser' is available\"); playbook fails the same task, with the same recap (the tasks after it, umask, inactive, uid_min/max and ssh_keygen, pass with both engines when run without it)",
  group: "ansible-playbook fails it on a lab node too: tests.yml installs libuser (`action: \"{{ ansible_facts.pkg_mgr }}\"`, for lgroupadd), which the lab's apt mirror does not carry (\"No package matching 'libuser' is available\"); playbook fails the same task, with the same recap (the tasks after it that need no lgroupadd, groupdel's force and test_create_group_min_max, pass with both engines when run without it)",
};
