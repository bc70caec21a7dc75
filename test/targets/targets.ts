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
  'package',
  'apt_repository',
  'stat',
  'blockinfile',
  'tempfile',
  'slurp',
  'lineinfile',
  'find',
  // ansible.builtin modules playbook does not carry: they run from the controller's ansible-core.
  'known_hosts',
  'iptables',
];

const HTTPTESTER =
  "needs httptester: ansible-test's HTTP test container (nginx serving httpbin as ansible.http.tests, sni1, fail and self-signed.ansible.http.tests over TLS from its own CAs, " +
  'client certificates, a second CA on port 444), linked in with HTTPTESTER set; without it prepare_http_tests leaves httpbin_host at httpbin.org and the tasks need the internet. ' +
  'A lab-local stand-in (nginx from Debian, httpbin from PyPI through the wheelhouse, a generated CA and certificates, those names in the nodes\' /etc/hosts) is feasible but not built yet';

/** Targets of our modules that do not run here, and why. */
export const NOT_RUNNABLE_TARGETS: Readonly<Record<string, string>> = {
  get_url: HTTPTESTER,
  uri: HTTPTESTER,
  file:
    "ansible-playbook fails it on a lab node too: after `file: attributes=A` reports changed, `attributes=+A` reports changed again (main.yml:174, 'file_attributes_result_2 is not changed'): " +
    "the node's files carry ext4's `e` (extents) attribute, which chattr cannot clear, and Ansible compares lsattr's whole flag string ('Ae') with 'A'",
  unarchive:
    'needs the internet: test_download.yml unarchives https://ci-files.testing.ansible.com/test/integration/targets/apt/echo-hello-source.tar.gz, and ansible-playbook fails there on a lab node ' +
    '(also a script target: runme.sh runs the role, then test_relative_tmp_dir.yml and auth_mask.yml)',
  template:
    'a script target for the controller (context/controller): runme.sh runs its playbooks on the controller itself with OUTPUT_DIR set, and ad-hoc `ansible` and `ansible-config`; ' +
    "its tasks take output_dir from the OUTPUT_DIR environment variable and read rendered files back with lookup('file') on the controller, so as a role on a lab node " +
    "ansible-playbook fails it too (ansible_managed.yml:16, the lookup of '/default_am.txt')",
  fetch:
    "a script target (runme.sh: its playbooks against testhost, with -b, and as a new user); its run_fetch_tests.yml, run by ansible-playbook on a lab node, fails: failures.yml's " +
    "'Try to fetch a file inside an inaccessible directory' becomes fetcher with become_method su, which asks the login user (playbook, where ansible-test logs in as root) for a password " +
    "(UNREACHABLE: 'Timeout (12s) waiting for privilege escalation prompt'). runme.sh's injection/avoid_slurp_return.yml replaces slurp with a Python module of its own, which the engine does not run",
  copy:
    "ansible-playbook fails it on a lab node too: it copies root's ~/.ssh/authorized_keys (ansible-test logs in as root; a lab node's root has none) to a new unprivileged user " +
    "and runs tasks as that user (remote_user), which cannot make Ansible's temporary directory under remote_tmp_dir (UNREACHABLE: 'Failed to create temporary directory'), even with the key given to root",
  apt:
    'needs the internet: apt.yml installs hello from https://ci-files.testing.ansible.com (deb=https://.../hello_2.10-2ubuntu2_<arch>.deb) and url-with-deps.yml echo-hello_1.0_all.deb from there; ' +
    'apt-multiarch.yml adds the i386 architecture and installs libunistring2:i386 from the Debian archive (the lab mirror is amd64/all only); apt-builddep.yml needs deb-src sources (build-dep rolldice); ' +
    'and its dependency setup_deb_repo builds packages with equivs and dpkg-dev (debhelper and a toolchain, far more than the lab mirror should carry)',
  pip:
    'needs the internet: it installs iso8601 from git+https://github.com/dvarrazzo/pyiso8601 and sampleprojectpy2, jiphy, q, Junit-XML, wheel, setuptools and pip from PyPI; ' +
    "and its dependency setup_remote_constraints copies ansible-test's constraints.txt (../../../lib/ansible_test/_data/requirements/), which the unpacked targets do not include " +
    '(ansible-playbook fails it on a lab node there)',
  package_facts: 'a script target (runme.sh drives ansible-playbook itself with its own inventory and greps its output), not a role',
  user: "ansible-playbook fails it on a lab node too: test_local.yml installs libuser (`action: \"{{ ansible_facts.pkg_mgr }}\"`, for luseradd), which the lab's apt mirror does not carry (\"No package matching 'libuser' is available\"); playbook fails the same task, with the same recap (the tasks after it, umask, inactive, uid_min/max and ssh_keygen, pass with both engines when run without it)",
  group: "ansible-playbook fails it on a lab node too: tests.yml installs libuser (`action: \"{{ ansible_facts.pkg_mgr }}\"`, for lgroupadd), which the lab's apt mirror does not carry (\"No package matching 'libuser' is available\"); playbook fails the same task, with the same recap (the tasks after it that need no lgroupadd, groupdel's force and test_create_group_min_max, pass with both engines when run without it)",
};

/**
 * Targets ansible-playbook passes on a lab node and playbook does not yet: open work, not excused.
 * They are not in the suite until they pass; each names the first task that fails and why.
 */
export const FAILING_TARGETS: Readonly<Record<string, string>> = {};

/*
 * The targets of the engine itself (keywords, filters, tests, lookups, modules written in Python)
 * run on the controller, over the local connection, as ansible-test runs them there
 * (test/support/ansible-targets.ts runLocalTarget).
 */

/** Targets ansible-playbook passes on the controller: playbook must pass them too. */
export const LOCAL_RUNNABLE_TARGETS: readonly string[] = [
  'add_host',
  'assert',
  'async',
  'async_fail',
  'binary',
  'changed_when',
  'common_network',
  'dict_transformations',
  'embedded_module',
  'failed_when',
  'filter_encryption',
  'filter_urls',
  'filter_urlsplit',
  'ignore_errors',
  'include_import_tasks_nested',
  'include_vars',
  'include_with_templating',
  'jinja_plugins',
  'lookup_config',
  'lookup_csvfile',
  'lookup_dict',
  'lookup_file',
  'lookup_first_found',
  'lookup_indexed_items',
  'lookup_items',
  'lookup_lines',
  'lookup_list',
  'lookup_nested',
  'lookup_password',
  'lookup_pipe',
  'lookup_random_choice',
  'lookup_sequence',
  'lookup_subelements',
  'lookup_template',
  'lookup_together',
  'lookup_varnames',
  'lookup_vars',
  'loop-until',
  'loops',
  'module_defaults',
  'old_style_modules_posix',
  'ping',
  'plugin_namespace',
  'special_vars',
  'split',
  'task-args',
  'task-esoterica',
  'task_ordering',
  'templating',
  'test_files',
  'test_mathstuff',
  'test_uri',
  'undefined',
  'until',
  'var_inheritance',
  'want_json_modules_posix',
  'yaml_parsing',
];

/** Targets of the engine's features that do not run here, and why. */
export const LOCAL_NOT_RUNNABLE_TARGETS: Readonly<Record<string, string>> = {
  filter_core:
    'a script target (runme.sh runs runme.yml with its own host_vars for testhost and with -e @vars); as a role, ansible-playbook fails it too ' +
    "(the 'mandatory' filter's \"Mandatory variable 'a' not defined.\" that runme.sh expects)",
  filter_mathstuff:
    "a script target (runme.sh runs runme.yml with its own host_vars); as a role, ansible-playbook fails it too (\"object of type 'HostVarsVars' has no attribute 'foo'\": host_vars/testhost.yml is not read)",
  test_core: "a script target (runme.sh runs runme.yml with its own inventory and a vault password file); as a role, ansible-playbook fails it too (tasks/main.yml:107, the changed tests on its inventory's variables)",
  shell: `ansible-playbook fails it as a role too ('No first item, sequence was empty.'), and it needs a connection plugin of its own (connection_plugins/), which playbook does not load`,
  var_reserved: "ansible-playbook fails it here too (tasks/main.yml:25: the warnings it expects from nested ansible-playbook runs do not start the way it checks)",
  module_no_log: 'ansible-playbook fails it here too: it greps the host\'s /var/log/syslog or journalctl for what modules logged, and this machine has neither a syslog nor a journal',
};

/**
 * Targets ansible-playbook passes on the controller and playbook does not yet: open work, not
 * excused. Each names the first task that fails and why.
 */
export const LOCAL_FAILING_TARGETS: Readonly<Record<string, string>> = {};
