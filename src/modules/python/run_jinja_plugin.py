"""Runs a Jinja filter or test plugin playbook does not carry with the controller's own ansible-core.

playbook's own filters and tests run natively; the long tail (a role's or playbook's
filter_plugins/ and test_plugins/ files, a collection's plugins/filter and plugins/test,
ansible-core's own that playbook lacks) runs here, found through ansible-core's Jinja2 plugin
loader with the playbook's and the roles' plugin folders added as ansible-playbook adds them.

Input (JSON on stdin):
  op                'list' (the names the non-collection folders provide) or 'call'
  kind              'filter' or 'test'
  name              (call) the name as the template wrote it (my_filter, ns.coll.name)
  value, args, kwargs  (call) the filter's input and arguments, JSON values
  plugin_dirs       playbook and role folders: their filter_plugins/ and test_plugins/ count
  collections_paths
Output (one JSON object on stdout):
  list: {"names": {name: file}}
  call: {"result": ...} or {"error": "...", "kind": "no-ansible"|"not-found"|"load"|"run"}
A float in the result is sent as {"__py_float__": x} so that 2.0 stays a float.
Whatever the plugin or ansible-core prints (warnings, deprecations) goes to stderr.
"""
import json
import sys

from controller_side import load_ansible, message as _message, reply, tagged as _tagged


def main():
    request = json.load(sys.stdin)
    load_ansible(request)
    from ansible.plugins.loader import filter_loader, test_loader
    loader = filter_loader if request['kind'] == 'filter' else test_loader

    if request['op'] == 'list':
        # Every name the folders' files provide, those whose entry fails to load included (they
        # exist for Ansible: using them is "failed to load", not "No filter named").
        # With the file each comes from: a playbook's or role's file shadows playbook's native one.
        loader._ensure_non_collection_wrappers()
        wrappers = loader._cached_non_collection_wrappers
        reply({'names': dict((n, getattr(w, '_original_path', None)) for n, w in sorted(wrappers.items()))})

    name = request['name']
    try:
        instance = loader.get(name)
    except KeyError:
        instance = None
    except Exception as e:
        reply({'error': '%s plugin %r failed to load: %s' % (request['kind'], name, _message(e)), 'kind': 'load'})
    if instance is None:
        reply({'error': 'No %s named %r.' % (request['kind'], name), 'kind': 'not-found'})
    try:
        result = instance.j2_function(request['value'], *request['args'], **request['kwargs'])
        if request['kind'] == 'test':
            result = bool(result)
        reply({'result': _tagged(result)})
    except SystemExit:
        raise
    except Exception as e:
        reply({'error': _message(e), 'kind': 'run'})


if __name__ == '__main__':
    main()
