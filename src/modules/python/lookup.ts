/**
 * A lookup playbook does not carry (ansible-core's `config`, a lookup_plugins/ file, a
 * collection's lookup), run with ansible-core on the controller (run_lookup.py). It sees the
 * task's variables that are JSON values, as they template; its list, or its error, is the lookup's.
 */
import { readFileSync } from 'node:fs';
import { PluginError } from '../../template/errors.js';
import type { LookupDef, PluginContext } from '../../template/plugins.js';
import { Undefined } from '../../python/values.js';
import { ansiblePythonCandidates, controllerAnsibleSync, runLookupPlugin } from './controller.js';
import { SKIP, fromTagged, jsonValue } from './json-values.js';

export interface PythonLookupOptions {
  /** Playbook and role folders whose *_plugins/ ansible-core adds (read at each call: roles load as the run goes). */
  readonly pluginDirs: () => readonly string[];
  readonly collectionsPaths: readonly string[];
  /** The playbook's directory: ansible-core reads its ansible.cfg there. */
  readonly cwd: string;
}

/** What to do to have a lookup (filter, test) ansible-core runs, when no Python imports ansible. */
export function installHint(what = 'lookups', env: NodeJS.ProcessEnv = process.env): string {
  const tried = ansiblePythonCandidates(env);
  return `${what} playbook does not carry run with ansible-core on the controller: pip install ansible-core, or set PLAYBOOK_ANSIBLE_PYTHON; ${tried.length ? `no ansible in ${tried.join(', ')}` : 'no python3 on PATH'}`;
}

/** Set while a Python lookup gathers its variables: one of them calling a Python lookup again is left out, not run. */
let gathering = false;

/** The variables the lookup sees: each as it templates; one that fails to, or is no JSON value, is left out. */
function gatherVariables(ctx: PluginContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  gathering = true;
  try {
    for (const name of ctx.variableNames()) {
      // `vars` is a view of these same variables: the lookup has them all already. `hostvars`
      // would template every host's variables at each call; lookups rarely read it.
      if (name === 'vars' || name === 'hostvars') continue;
      try {
        // Items of a list or dict template lazily, when read: while it is copied.
        const json = jsonValue(ctx.variable(name), new Set());
        if (json !== SKIP) out[name] = json;
      } catch {
        continue;
      }
    }
  } finally {
    gathering = false;
  }
  return out;
}

/** Whether the plugin's LookupModule says `accept_args_markers = True` (read from its source, nothing run). */
function acceptsMarkers(file: string | undefined): boolean {
  if (!file) return false;
  try {
    return /^\s+accept_args_markers\s*=\s*True\b/m.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

export function pythonLookup(name: string, file: string | undefined, options: PythonLookupOptions): LookupDef {
  return {
    acceptsMarkers: acceptsMarkers(file),
    fn: (ctx, given, kwargs) => {
      // An undefined term (only a plugin that takes markers gets one) reaches Python as None.
      const terms = given.map((t) => (t instanceof Undefined ? null : t));
      if (gathering) throw new Error(`lookup plugin '${name}' is not run while another one gathers its variables`);
      const ansible = controllerAnsibleSync();
      if (!ansible) throw new Error(`lookup plugin '${name}'${file ? ` (${file})` : ''} needs ansible-core (${installHint()})`);
      const answer = runLookupPlugin(
        ansible,
        {
          name,
          terms,
          kwargs,
          variables: gatherVariables(ctx),
          plugin_dirs: [...options.pluginDirs()],
          collections_paths: [...options.collectionsPaths],
          basedir: options.cwd,
        },
        options.cwd,
      );
      if ('result' in answer) return fromTagged(answer.result) as unknown[];
      // As Ansible words it, and not subject to errors=ignore/warn, which are about running.
      if (answer.kind === 'load') throw new PluginError('lookup-load', `The ${answer.error}`);
      throw new Error(answer.error);
    },
  };
}
