/**
 * An action plugin from an action_plugins/ folder (the playbook's, a role's): under its file name
 * it takes the task's unqualified action over the module of that name, as in Ansible. It runs on
 * the controller with ansible-core (run_action.py), after module_defaults and templating; what it
 * returns is the task's result.
 */
import { readFileSync } from 'node:fs';
import type { Module, ModuleResult } from '../types.js';
import { ansiblePythonCandidates, controllerAnsible, runActionPlugin } from './controller.js';

export interface ActionPluginOptions {
  readonly collectionsPaths: readonly string[];
  /** The playbook's directory: ansible-core reads its ansible.cfg there. */
  readonly cwd: string;
}

/** Whether the plugin's ActionModule says `supports_raw_params = True` (read from its source, nothing run). */
function declaresRawParams(file: string): boolean {
  try {
    return /^\s+supports_raw_params\s*=\s*True\b/m.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

export function pythonActionPlugin(name: string, file: string, options: ActionPluginOptions): Module {
  return {
    name,
    controllerOnly: true,
    takesRawParams: declaresRawParams(file),
    // The plugin answers check mode itself (ActionBase skips what does not support it).
    supportsCheckMode: true,
    spec: { options: {} },
    bind(args) {
      return {
        args,
        run: async (ctx): Promise<ModuleResult> => {
          const ansible = await controllerAnsible();
          if (!ansible) {
            const tried = ansiblePythonCandidates();
            return {
              changed: false,
              failed: true,
              msg: `action plugin '${name}' (${file}) runs with ansible-core on the controller (pip install ansible-core, or set PLAYBOOK_ANSIBLE_PYTHON; ${tried.length ? `no ansible in ${tried.join(', ')}` : 'no python3 on PATH'})`,
            };
          }
          const result = await runActionPlugin(
            ansible,
            { plugin_path: file, action: name, args, check_mode: ctx.checkMode, diff: ctx.diffMode, verbosity: ctx.verbosity, collections_paths: [...options.collectionsPaths] },
            options.cwd,
          );
          return { changed: false, ...result } as ModuleResult;
        },
      };
    },
    // Its arguments are the plugin's business.
    checkArgumentNames() {},
  };
}
