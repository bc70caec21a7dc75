/** Modules written in Python as users write them, for the tests of modules playbook does not carry. */

/** AnsibleModule from module_utils.basic, check mode, a diff: writes content to path when it differs. */
export const MY_MOD = `#!/usr/bin/python
# Writes content to path when it differs.
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(path=dict(type='path', required=True), content=dict(type='str', default='')),
        supports_check_mode=True,
    )
    path, content = module.params['path'], module.params['content']
    try:
        with open(path) as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    changed = current != content
    if changed and not module.check_mode:
        with open(path, 'w') as f:
            f.write(content)
    module.exit_json(changed=changed, path=path, msg='written' if changed else 'unchanged', diff=dict(before=current or '', after=content))


if __name__ == '__main__':
    main()
`;

/** Says as whom and with which environment variable it ran (become, the task's environment). */
export const WHO_AM_I = `#!/usr/bin/python
import os
import pwd

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(variable=dict(type='str', required=True)), supports_check_mode=True)
    module.exit_json(changed=False, user=pwd.getpwuid(os.geteuid()).pw_name, value=os.environ.get(module.params['variable']))


if __name__ == '__main__':
    main()
`;
