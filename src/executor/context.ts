/** What every part of a run shares: variables, templating, modules, connections, events. */
import type { FactCaches } from '../facts/index.js';
import type { ModuleRegistry } from '../modules/index.js';
import type { PlaybookLoader } from '../playbook/loader.js';
import type { RunEvent } from '../output/events.js';
import type { Templar } from '../template/index.js';
import type { ConnectionPool } from './connection-pool.js';
import type { PythonModules } from './python-modules.js';
import type { VariableManager } from './vars.js';

export interface RunOptions {
  becomePassword?: string;
  forks: number;
  /**
   * Connection variables used when neither the host's variables nor a play keyword set them:
   * from the command line (-u, --private-key, -T) over ansible.cfg.
   */
  connectionDefaults: Record<string, unknown>;
}

export interface RunContext {
  vm: VariableManager;
  templar: Templar;
  modules: ModuleRegistry;
  /** Modules found as files on the controller (library/, collections), after the native ones. */
  pythonModules?: PythonModules;
  connections: ConnectionPool;
  /** What each host's facts are, read once and kept until a module changes the host. */
  facts: FactCaches;
  loader: PlaybookLoader;
  options: RunOptions;
  emit(event: RunEvent): void;
}
