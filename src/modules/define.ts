/** defineModule: a module written with typed arguments, erased to the Module the registry holds. */
import { type ArgumentSpec, checkArgumentNames, validateArgs } from './args.js';
import { expandPathArgs } from './support/remote-paths.js';
import type { Module, ModuleDefinition } from './types.js';

/**
 * `defineModule({ name, spec, run })`: run() gets the argument types the spec describes (`const`
 * keeps the spec's literals). The returned Module's bind() checks arguments against the same
 * spec, so run() gets the types it was written for without a cast.
 */
export function defineModule<const S extends ArgumentSpec>(definition: ModuleDefinition<S>): Module {
  const { run, controllerPaths, ...traits } = definition;
  const pathOptions = Object.entries(definition.spec.options)
    .filter(([, o]) => o.type === 'path' || (o.type === 'list' && o.elements === 'path'))
    .map(([name]) => name);
  return {
    ...traits,
    bind(raw) {
      const args = validateArgs(definition.name, definition.spec, raw);
      if (pathOptions.length === 0 || definition.controllerOnly) return { args, run: (ctx) => run(args, ctx) };
      const local = new Set(controllerPaths?.(args) ?? []);
      const remote = pathOptions.filter((n) => !local.has(n));
      return { args, run: async (ctx) => run(await expandPathArgs(ctx, args, remote), ctx) };
    },
    checkArgumentNames(raw) {
      checkArgumentNames(definition.name, definition.spec, raw);
    },
  };
}
