"""What the scripts that run the controller's ansible-core share (build_payload.py, run_action.py,
run_lookup.py, run_jinja_plugin.py): one JSON answer on the real stdout, while whatever ansible or
a plugin prints goes to stderr; and ansible-core loaded as the request says. Each script imports
it from its own folder (Python puts a script's folder first on sys.path).
"""
import json
import os
import sys

# Display and plugins write to stdout: the answer goes to the real one, everything else to stderr.
_answer = os.fdopen(os.dup(1), 'w')
os.dup2(2, 1)


def reply(obj, default=None):
    """Writes the one answer and ends the script."""
    json.dump(obj, _answer, default=default)
    _answer.flush()
    sys.exit(0)


def fail(kind, message):
    reply({'error': message, 'kind': kind})


def tagged(value):
    """The value as JSON can carry it: floats tagged ({"__py_float__": 2.0}, so that 2.0 stays a
    float), tuples and sets as lists, other objects (and NaN, infinities) as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {'__py_float__': value} if value == value and value not in (float('inf'), float('-inf')) else str(value)
    if isinstance(value, dict):
        return dict((str(k), tagged(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)) or (hasattr(value, '__iter__') and not isinstance(value, bytes)):
        return [tagged(v) for v in value]
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return str(value)


def message(e):
    """An error's own message (AnsibleError keeps it apart from the chained causes str() may add)."""
    return getattr(e, 'message', None) or str(e) or type(e).__name__


def load_ansible(request):
    """ansible-core's constants (its configuration: the cwd's ansible.cfg) and plugin loader, with the
    request's collections_paths and plugin_dirs; answers kind 'no-ansible' when it cannot be imported."""
    try:
        from ansible import constants as C
    except ImportError as e:
        fail('no-ansible', str(e))
    from ansible.plugins.loader import add_all_plugin_dirs, init_plugin_loader
    init_plugin_loader(request['collections_paths'])
    for folder in request.get('plugin_dirs', ()):
        add_all_plugin_dirs(folder)
    return C
