"""Runs an action plugin from an action_plugins/ folder with the controller's own ansible-core.

A role's or playbook's action_plugins/<name>.py takes the task's unqualified name over the
built-in one, as under ansible-playbook. playbook runs such a plugin on the controller: its
ActionModule gets a Task with the templated arguments, a PlayContext, a DataLoader, a Templar,
ansible's plugin loaders (so it can run other actions and modules) and a connection to the task's
host through playbook's own (host_connection.py). What run() returns, or the error it raises, is
the task's result.

Input (JSON on stdin):
  plugin_path   the action plugin file
  action        the task's action name
  args          the task's arguments, templated (with module_defaults)
  check_mode, diff, verbosity, no_log
  collections_paths
  environment   the task's environment (for the modules the plugin runs)
  transport     the host's connection type (local, ssh, docker)
  remote_addr, remote_user   as the host's connection settings say (null when unset)
  task_vars     the host's connection variables and ansible_python_interpreter
  channel_fd    the file descriptor of the channel to playbook (host_connection.py)
Output (one JSON object on stdout): {"result": {...}} or {"error": "...", "kind": "no-ansible"|"load"}.
"""
import importlib.util
import json
import os
import sys

from controller_side import fail, load_ansible, reply


def main():
    request = json.load(sys.stdin)
    load_ansible(request)
    from ansible.plugins.loader import get_plugin_loader_namespace

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

    from host_connection import Channel, HostConnection

    task = Task()
    task.action = request['action']
    task.args = dict(request['args'])
    task.check_mode = request['check_mode']
    task.diff = request['diff']
    # The modules the plugin runs are told, so that their own logging hides the values too.
    task.no_log = request['no_log']
    if request['environment']:
        task.environment = [request['environment']]
    play_context = PlayContext()
    play_context.check_mode = request['check_mode']
    play_context.diff = request['diff']
    if request['remote_addr'] is not None:
        play_context.remote_addr = request['remote_addr']
    if request['remote_user'] is not None:
        play_context.remote_user = request['remote_user']
    loader = DataLoader()
    loader.set_basedir(os.getcwd())
    task_vars = dict(request['task_vars'])
    # Modules go on stdin (ActionBase's pipelining), as playbook runs its own Python modules.
    options = {'pipelining': True, 'remote_addr': play_context.remote_addr, 'remote_user': play_context.remote_user}
    connection = HostConnection(play_context, Channel(request['channel_fd']), request['transport'], options)
    # The shell plugin's options (remote_tmp, ...) from the host's variables, as Ansible sets them.
    connection._shell.set_options(var_options=task_vars)
    templar = Templar(loader=loader, variables=task_vars)
    action = plugin.ActionModule(task, connection, play_context, loader, templar, get_plugin_loader_namespace())
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
    finally:
        # The remote temporary directory the plugin made, as Ansible's TaskExecutor removes it.
        try:
            action.cleanup()
        except AnsibleError:
            pass
    reply({'result': result}, default=str)


if __name__ == '__main__':
    main()
