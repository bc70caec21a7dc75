/** The modules that run commands or work on the controller (the file modules are listed in index.ts). */
import { command, shell } from './command.js';
import { assertModule, debug, engineModules, fail, includeVars, pause, ping, setFact, validateArgumentSpec } from './controller.js';
import { raw } from './raw.js';
import { setup } from './setup.js';
import { slurp } from './slurp.js';
import { find } from './find.js';
import { waitForConnection } from './wait-for-connection.js';
import type { ModuleDefinition } from './types.js';

export const CORE_MODULES: ModuleDefinition[] = [
  command, shell, raw, ping, debug, setFact, assertModule, fail, pause, includeVars, validateArgumentSpec, setup, slurp, find, waitForConnection, ...engineModules,
];
