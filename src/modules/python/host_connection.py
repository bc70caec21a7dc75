"""The host connection an action plugin gets when playbook runs it (see run_action.py).

ActionBase drives the host through a connection plugin: exec_command, put_file and fetch_file,
and a shell plugin that writes the commands (tmp dirs, chmod, module command lines). This
connection is a real ConnectionBase with ansible's own shell plugin; its three operations go to
playbook, which runs them over its own connection to the host (local, ssh, docker) and answers.

The channel is a stream socket playbook gives the process (a file descriptor), one JSON object a
line each way; the process asks and waits for the answer, so one question is open at a time:
  {"op": "exec", "cmd": str, "in_data": base64|null, "sudoable": bool, "cwd": str|null}
      -> {"rc": int|null, "stdout": str, "stderr": str}
  {"op": "put", "src": controller path, "dest": host path}            -> {}
  {"op": "fetch", "src": host path, "dest": controller path}          -> {}
  any of them                                                         -> {"error": str}

Become is playbook's: the connection has no become plugin (so ActionBase wraps no command), and
playbook runs every operation as the task's become user, as it runs its own modules, so that the
files a plugin puts and the commands it runs belong to one user.
"""
import base64
import json
import os

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.connection import ConnectionBase


class Channel:
    """Questions to playbook and its answers, over the socket on `fd`."""

    def __init__(self, fd):
        # A process the plugin starts must not hold the channel open (the task would wait for it).
        os.set_inheritable(fd, False)
        self._writer = os.fdopen(fd, 'wb', buffering=0)
        self._reader = os.fdopen(os.dup(fd), 'rb')

    def call(self, request):
        self._writer.write(json.dumps(request).encode('utf-8') + b'\n')
        line = self._reader.readline()
        if not line:
            raise AnsibleConnectionFailure('playbook closed the connection channel')
        answer = json.loads(line)
        if 'error' in answer:
            raise AnsibleConnectionFailure(answer['error'])
        return answer


class HostConnection(ConnectionBase):
    """The task's host, reached through playbook's connection to it."""

    # Modules go on the command's stdin, as playbook runs its own Python modules.
    has_pipelining = True

    def __init__(self, play_context, channel, transport, options):
        self._channel = channel
        self._transport = transport
        self._given_options = dict(options)
        super().__init__(play_context)
        # playbook opens the host's connection on the first operation.
        self._connected = True
        self.cwd = None

    @property
    def transport(self):
        return self._transport

    def get_option(self, option, hostvars=None):
        # Only the options given exist: ActionBase falls back to the play context on KeyError.
        if option in self._given_options:
            return self._given_options[option]
        raise KeyError(option)

    def set_option(self, option, value):
        self._given_options[option] = value

    def set_options(self, task_keys=None, var_options=None, direct=None):
        self._given_options.update(direct or {})

    def _connect(self):
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        request = {
            'op': 'exec',
            'cmd': to_text(cmd, errors='surrogate_or_strict'),
            'in_data': base64.b64encode(in_data if isinstance(in_data, bytes) else to_text(in_data).encode('utf-8')).decode('ascii') if in_data is not None else None,
            'sudoable': sudoable,
            # Ansible's local connection runs commands in the playbook's directory (ActionBase sets cwd).
            'cwd': to_text(self.cwd) if self.cwd else None,
        }
        answer = self._channel.call(request)
        rc = answer['rc']
        # A command killed by a signal has no exit code; Ansible's local connection reports it negative.
        return (-1 if rc is None else rc), answer['stdout'].encode('utf-8'), answer['stderr'].encode('utf-8')

    def put_file(self, in_path, out_path):
        if not os.path.exists(in_path):
            raise AnsibleError('file or module does not exist: %s' % to_text(in_path))
        self._channel.call({'op': 'put', 'src': to_text(in_path), 'dest': to_text(out_path)})

    def fetch_file(self, in_path, out_path):
        self._channel.call({'op': 'fetch', 'src': to_text(in_path), 'dest': to_text(out_path)})

    def close(self):
        self._connected = False
