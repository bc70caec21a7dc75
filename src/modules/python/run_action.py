"""Runs an action plugin from an action_plugins/ folder with the controller's own ansible-core.

A role's or playbook's action_plugins/<name>.py takes the task's unqualified name over the
built-in one, as under ansible-playbook. playbook runs such a plugin on the controller: its
ActionModule gets a Task with the templated arguments, a PlayContext, a DataLoader and a Templar,
and a connection that refuses to be used (a plugin that runs a module or copies files on the host
is not supported). What run() returns, or the error it raises, is the task's result.

Input (JSON on stdin):
  plugin_path   the action plugin file
  action        the task's action name
  args          the task's arguments, templated (with module_defaults)
  check_mode, diff, verbosity
  collections_paths
Output (one JSON object on stdout): {"result": {...}} or {"error": "...", "kind": "no-ansible"|"load"}.
"""
import importlib.util
import json
import sys


def fail(kind, message):
    json.dump({'error': message, 'kind': kind}, sys.stdout)
    sys.exit(0)


class _Shell:
    # Set, so that ActionBase.run() does not make a remote temporary directory.
    tmpdir = '/nonexistent-playbook-action-tmp'


class _NoConnection:
    """The connection an action plugin gets: using it is refused with a clear message."""

    _shell = _Shell()

    def __getattr__(self, name):
        raise RuntimeError(
            "playbook runs action plugins on the controller only: this one uses the connection (%s)" % name
        )


def main():
    request = json.load(sys.stdin)
    try:
        from ansible import constants as C  # noqa: F401 (loads the configuration)
    except ImportError as e:
        fail('no-ansible', str(e))

    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader(request['collections_paths'])

    from ansible.errors import AnsibleActionSkip, AnsibleError
    from ansible.parsing.dataloader import DataLoader
    from ansible.playbook.play_context import PlayContext
    from ansible.playbook.task import Task
    from ansible.template import Templar
    from ansible.utils.display import Display

    Display().verbosity = request['verbosity']
    try:
        spec = importlib.util.spec_from_file_location('ansible.plugins.action.playbook_' + request['action'].replace('.', '_'), request['plugin_path'])
        plugin = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(plugin)
    except Exception as e:
        fail('load', '%s: %s' % (type(e).__name__, e))

    task = Task()
    task.action = request['action']
    task.args = dict(request['args'])
    task.check_mode = request['check_mode']
    task.diff = request['diff']
    play_context = PlayContext()
    play_context.check_mode = request['check_mode']
    play_context.diff = request['diff']
    loader = DataLoader()
    task_vars = {}
    action = plugin.ActionModule(task, _NoConnection(), play_context, loader, Templar(loader=loader, variables=task_vars), None)
    try:
        result = action.run(task_vars=task_vars)
    except AnsibleActionSkip as e:
        result = dict(e.result or {})
        result.update(skipped=True, msg=str(e))
    except AnsibleError as e:
        result = dict(getattr(e, 'result', None) or {})
        result.setdefault('failed', True)
        result.setdefault('msg', str(e))
    except Exception as e:  # the plugin's own error, as Ansible reports an unexpected one
        result = {'failed': True, 'msg': 'Unexpected failure during module execution: %s' % e}
    json.dump({'result': result}, sys.stdout, default=str)


if __name__ == '__main__':
    main()
