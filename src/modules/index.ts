/** The module registry: one file per module, listed here once. */
import { CORE_MODULES } from './core.js';
import type { ModuleDefinition } from './types.js';
import asyncStatus from './async-status.js';
import blockinfile from './blockinfile.js';
import copy from './copy.js';
import file from './file.js';
import lineinfile from './lineinfile.js';
import stat from './stat.js';
import tempfile from './tempfile.js';
import template from './template.js';

// Each module file default-exports its ModuleDefinition; add new ones to this list.
const BUILTIN: ModuleDefinition<any>[] = [copy, template, file, lineinfile, blockinfile, stat, tempfile, asyncStatus];

export class ModuleRegistry {
  private readonly byName = new Map<string, ModuleDefinition<any>>();

  constructor(modules: ModuleDefinition<any>[] = [...CORE_MODULES, ...BUILTIN]) {
    for (const m of modules) this.add(m);
  }

  add(module: ModuleDefinition<any>): void {
    for (const name of [module.name, ...(module.aliases ?? [])]) {
      this.byName.set(name, module);
      this.byName.set(`ansible.builtin.${name}`, module);
      this.byName.set(`ansible.legacy.${name}`, module);
    }
  }

  get(name: string): ModuleDefinition<any> | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].filter((n) => !n.includes('.'));
  }
}
