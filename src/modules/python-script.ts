/**
 * Where build_payload.py is. This file sits two folders below the package root, as every built
 * module and the one-file CLI bundle do (src/modules, dist/modules, dist/bundle), so the path is
 * right from the sources, the build and the bundle alike; the script ships in the package's files.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PAYLOAD_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'modules', 'python', 'build_payload.py');

/** Where run_action.py is (beside build_payload.py): it runs an action_plugins/ file with the controller's ansible-core. */
export const ACTION_SCRIPT = path.resolve(path.dirname(PAYLOAD_SCRIPT), 'run_action.py');

/** Where run_lookup.py is (beside build_payload.py): it runs a lookup plugin playbook does not carry with the controller's ansible-core. */
export const LOOKUP_SCRIPT = path.resolve(path.dirname(PAYLOAD_SCRIPT), 'run_lookup.py');

/** Where run_jinja_plugin.py is (beside build_payload.py): it runs a filter or test plugin playbook does not carry with the controller's ansible-core. */
export const JINJA_PLUGIN_SCRIPT = path.resolve(path.dirname(PAYLOAD_SCRIPT), 'run_jinja_plugin.py');
