/** defineModule: a module written with typed arguments, erased to the Module the registry holds. */
import { type ArgumentSpec, checkArgumentNames, validateArgs } from './args.js';
import type { Module, ModuleDefinition } from './types.js';

/**
 * `defineModule({ name, spec, run })`: run() gets the argument types the spec describes (`const`
 * keeps the spec's literals). The returned Module's bind() checks arguments against the same
 * spec, so run() gets the types it was written for without a cast.
 */
export function defineModule<const S extends ArgumentSpec>(definition: ModuleDefinition<S>): Module {
  const { run, ...traits } = definition;
  return {
    ...traits,
    bind(raw) {
      const args = validateArgs(definition.name, definition.spec, raw);
      return { args, run: (ctx) => run(args, ctx) };
    },
    checkArgumentNames(raw) {
      checkArgumentNames(definition.name, definition.spec, raw);
    },
  };
}
