"""Builds what a Python module needs on the target, with the controller's own ansible-core.

playbook runs a module it does not carry the way ansible-playbook does: ansible-core's
module_common.modify_module() turns the module file into its AnsiballZ payload (the module and the
module_utils it imports, zipped, with its arguments), which the engine then pipes into the
target's Python. Building it here, with ansible-core's code, keeps the payload exactly Ansible's.

Input (JSON on stdin):
  module_name   the name the task gave (my_mod, community.general.ini_file)
  module_path   the module file found by the engine
  module_args   the task's arguments, templated
  internal      the engine's share of the _ansible_* arguments (check mode, diff, verbosity, ...)
  interpreter   the target's Python (ansible_python_interpreter, or the engine's default)
  collections_paths   where collections are installed (the playbook's collections/ first)
Output (one JSON object on stdout):
  {"style": "new"|"old"|"non_native_want_json"|"binary", "shebang": ..., "payload": base64,
   "args": the arguments as sent (for the modules that read them from a file)}
  or {"error": "...", "kind": "no-ansible"|"build"}.
"""
import base64
import json
import sys

from controller_side import fail, load_ansible, reply


def internal_args(request, C):
    """The _ansible_* arguments ActionBase._update_module_args() adds (ansible-core 2.19)."""
    from ansible.release import __version__
    try:
        from ansible.module_utils._internal import _traceback
        tracebacks_for = _traceback.traceback_for()
    except ImportError:  # before 2.19
        tracebacks_for = None
    given = request['internal']
    args = {
        '_ansible_check_mode': given['check_mode'],
        '_ansible_no_log': given['no_log'] or bool(C.config.get_config_value('DEFAULT_NO_TARGET_SYSLOG')),
        '_ansible_debug': C.DEFAULT_DEBUG,
        '_ansible_diff': given['diff'],
        '_ansible_verbosity': given['verbosity'],
        '_ansible_version': __version__,
        '_ansible_module_name': request['module_name'],
        '_ansible_syslog_facility': given.get('syslog_facility') or C.DEFAULT_SYSLOG_FACILITY,
        '_ansible_selinux_special_fs': C.DEFAULT_SELINUX_SPECIAL_FS,
        '_ansible_socket': None,
        '_ansible_shell_executable': given['shell_executable'],
        '_ansible_keep_remote_files': C.DEFAULT_KEEP_REMOTE_FILES,
        # Pipelined: no remote temporary directory is made for the module.
        '_ansible_tmpdir': None,
        '_ansible_remote_tmp': given['remote_tmp'],
        '_ansible_ignore_unknown_opts': False,
        '_ansible_target_log_info': C.config.get_config_value('TARGET_LOG_INFO'),
    }
    if tracebacks_for is not None:
        args['_ansible_tracebacks_for'] = tracebacks_for
    return args


def main():
    request = json.load(sys.stdin)
    C = load_ansible(request)
    import ansible
    from ansible.release import __version__

    from ansible.executor.module_common import modify_module
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    args = dict(request['module_args'])
    args.update(internal_args(request, C))
    # The interpreter is the engine's choice: given as the variable Ansible reads, no discovery runs.
    task_vars = {'ansible_python_interpreter': request['interpreter'], 'ansible_facts': {}}
    templar = Templar(loader=DataLoader(), variables=task_vars)
    try:
        built = modify_module(
            module_name=request['module_name'],
            module_path=request['module_path'],
            module_args=args,
            templar=templar,
            task_vars=task_vars,
            module_compression=C.config.get_config_value('DEFAULT_MODULE_COMPRESSION'),
            environment={},
        )
    except Exception as e:  # ansible-core's own message (a module_util not found, a syntax error)
        fail('build', '%s: %s' % (type(e).__name__, e))
    reply({
        'style': built.module_style,
        'shebang': built.shebang,
        'payload': base64.b64encode(built.b_module_data).decode('ascii'),
        'args': args,
        'ansible_version': __version__,
        'ansible_location': ansible.__path__[0],
    })


if __name__ == '__main__':
    main()
