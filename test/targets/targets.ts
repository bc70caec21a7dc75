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
];

/** Targets of our modules that do not run here, and why. */
export const NOT_RUNNABLE_TARGETS: Readonly<Record<string, string>> = {
  stat: 'ansible-playbook fails it on a lab node too: the node image has no `file` command, so stat reports no mimetype',
  lineinfile: "ansible-playbook fails it on a lab node too: its ACL tasks need setfacl (the acl package), which the node image lacks",
  file: 'ansible-playbook fails it on a lab node too (an assertion about a user the node image lacks)',
  copy: 'ansible-playbook fails it on a lab node too (an assertion about a user the node image lacks)',
  apt:
    'needs the internet: apt.yml installs hello from https://ci-files.testing.ansible.com (deb=https://.../hello_2.10-2ubuntu2_<arch>.deb) and url-with-deps.yml echo-hello_1.0_all.deb from there; ' +
    'apt-multiarch.yml adds the i386 architecture and installs libunistring2:i386 from the Debian archive (the lab mirror is amd64/all only); apt-builddep.yml needs deb-src sources (build-dep rolldice); ' +
    'and its dependency setup_deb_repo builds packages with equivs and dpkg-dev (debhelper and a toolchain, far more than the lab mirror should carry)',
  pip:
    'needs the internet: it installs iso8601 from git+https://github.com/dvarrazzo/pyiso8601 and sampleprojectpy2, jiphy, q, Junit-XML, wheel, setuptools and pip from PyPI; ' +
    "and its dependency setup_remote_constraints copies ansible-test's constraints.txt (../../../lib/ansible_test/_data/requirements/), which the unpacked targets do not include " +
    '(ansible-playbook fails it on a lab node there)',
  package_facts: 'a script target (runme.sh drives ansible-playbook itself with its own inventory and greps its output), not a role',
  fetch: 'a script target (runme.sh drives ansible-playbook itself with its own inventory), not a role',
  user: "ansible-playbook fails it on a lab node too: test_local.yml installs libuser (`action: \"{{ ansible_facts.pkg_mgr }}\"`, for luseradd), which the lab's apt mirror does not carry (\"No package matching 'libuser' is available\"); playbook fails the same task, with the same recap (the tasks after it, umask, inactive, uid_min/max and ssh_keygen, pass with both engines when run without it)",
  group: "ansible-playbook fails it on a lab node too: tests.yml installs libuser (`action: \"{{ ansible_facts.pkg_mgr }}\"`, for lgroupadd), which the lab's apt mirror does not carry (\"No package matching 'libuser' is available\"); playbook fails the same task, with the same recap (the tasks after it that need no lgroupadd, groupdel's force and test_create_group_min_max, pass with both engines when run without it)",
};
