/**
 * A filter or test playbook does not carry (a filter_plugins/ or test_plugins/ file, a
 * collection's, ansible-core's own), run with ansible-core on the controller
 * (run_jinja_plugin.py): the value and arguments go as JSON, the result comes back as JSON (a
 * float stays a float). Its errors are worded as Ansible's.
 */
import { PluginError } from '../../template/errors.js';
import type { FilterDef, TestDef } from '../../template/plugins.js';
import { typeName } from '../../python/values.js';
import { controllerAnsibleSync, runJinjaPlugin } from './controller.js';
import { installHint } from './lookup.js';
import { SKIP, fromTagged, jsonValue } from './json-values.js';

export interface PythonJinjaOptions {
  /** Playbook and role folders whose *_plugins/ ansible-core adds (read at each call: roles load as the run goes). */
  readonly pluginDirs: () => readonly string[];
  readonly collectionsPaths: readonly string[];
  /** The playbook's directory: ansible-core reads its ansible.cfg there. */
  readonly cwd: string;
}

type Kind = 'filter' | 'test';

function call(kind: Kind, name: string, file: string | undefined, options: PythonJinjaOptions, value: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const ansible = controllerAnsibleSync();
  if (!ansible) throw new PluginError('runtime', `${kind} plugin '${name}'${file ? ` (${file})` : ''} needs ansible-core (${installHint(`${kind}s`)})`);
  // What JSON cannot carry (hostvars, vaulted values) cannot reach Python: said so, nothing run.
  const json = (v: unknown, what: string): unknown => {
    const j = jsonValue(v, new Set());
    if (j === SKIP) throw new PluginError('runtime', `The ${kind} plugin '${name}' failed: its ${what} (${typeName(v)}) cannot be passed to a Python plugin as a JSON value`);
    return j;
  };
  const jsonKwargs: Record<string, unknown> = {};
  for (const k of Object.keys(kwargs)) jsonKwargs[k] = json(kwargs[k], `argument ${k}`);
  const answer = runJinjaPlugin(
    ansible,
    {
      kind,
      name,
      value: json(value, 'input'),
      args: args.map((a, i) => json(a, `argument ${i + 1}`)),
      kwargs: jsonKwargs,
      plugin_dirs: [...options.pluginDirs()],
      collections_paths: [...options.collectionsPaths],
    },
    options.cwd,
  );
  if ('result' in answer) return fromTagged(answer.result);
  switch (answer.kind) {
    // "The filter plugin 'x' failed to load: boom", as Ansible says it.
    case 'load':
      throw new PluginError('runtime', `The ${answer.error}`);
    // A collection's file mentioned the name without providing it: as the compile-time check words it.
    case 'not-found':
      throw new PluginError(kind === 'filter' ? 'unknown-filter' : 'unknown-test', `Syntax error in template: ${answer.error}`);
    case 'no-ansible':
      throw new PluginError('runtime', `${kind} plugin '${name}' needs ansible-core (${answer.error})`);
    default:
      throw new PluginError('runtime', `The ${kind} plugin '${name}' failed: ${answer.error}`);
  }
}

/** The filter `name` ansible-core finds; `file` (when known) names it in the no-ansible-core error. */
export function pythonFilter(name: string, file: string | undefined, options: PythonJinjaOptions): FilterDef {
  return { fn: (_ctx, value, args, kwargs) => call('filter', name, file, options, value, args, kwargs) };
}

export function pythonTest(name: string, file: string | undefined, options: PythonJinjaOptions): TestDef {
  return { fn: (_ctx, value, args, kwargs) => call('test', name, file, options, value, args, kwargs) === true };
}
