"""Runs a lookup plugin playbook does not carry with the controller's own ansible-core.

playbook's own lookups (file, env, first_found, ...) run natively; the long tail (the config
lookup, a role's or playbook's lookup_plugins/<name>.py, a collection's lookup) runs here: the
plugin is loaded through ansible-core's lookup loader, with the playbook's and the roles' plugin
folders added as ansible-playbook adds them, and its run(terms, variables, **kwargs) is called.

Input (JSON on stdin):
  name              the lookup's name as the template wrote it (config, my_lookup, ns.coll.name)
  terms, kwargs     its arguments (wantlist/errors already taken off)
  variables         the task's variables (those that are JSON values)
  plugin_dirs       playbook and role folders: their lookup_plugins/ (and other *_plugins/) count
  collections_paths
  basedir           the playbook's folder (relative paths in the plugin)
Output (one JSON object on stdout): {"result": [...]} or {"error": "...", "kind": "no-ansible"|"not-found"|"load"|"run"}.
Whatever the plugin or ansible-core prints (warnings, deprecations) goes to stderr.
"""
import json
import sys

from controller_side import load_ansible, message as _message, reply, tagged


def main():
    request = json.load(sys.stdin)
    load_ansible(request)
    from ansible.plugins.loader import lookup_loader

    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    loader = DataLoader()
    loader.set_basedir(request['basedir'])
    variables = request['variables']
    templar = Templar(loader=loader, variables=variables)
    name = request['name']
    try:
        instance = lookup_loader.get(name, loader=loader, templar=templar)
    except Exception as e:
        reply({'error': 'lookup plugin %r failed to load: %s' % (name, _message(e)), 'kind': 'load'})
    if instance is None:
        reply({'error': 'lookup plugin %r not found' % name, 'kind': 'not-found'})
    try:
        result = instance.run(request['terms'], variables=variables, **request['kwargs'])
    except Exception as e:
        reply({'error': _message(e), 'kind': 'run'})
    if isinstance(result, (str, bytes, dict)) or not hasattr(result, '__iter__'):
        reply({'error': 'returned %s instead of %s' % (type(result), list), 'kind': 'run'})
    reply({'result': tagged(list(result))})


if __name__ == '__main__':
    main()
