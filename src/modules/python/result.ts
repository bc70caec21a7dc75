/**
 * The result of a module run on the host, read from its stdout as Ansible's
 * ActionBase._parse_returned_data reads it: lines before the first one starting with `{` and after
 * the last one ending with `}` are junk (a login banner, a library's print); what is left is the
 * one JSON object. Output with no JSON fails the task with the module's stdout, stderr and rc,
 * under ansible-core 2.19's message.
 */
import type { ExecResult } from '../../connection/types.js';
import { isDict, truthy } from '../../python/values.js';
import type { ModuleResult } from '../types.js';

/** The JSON object's text and the warning Ansible gives for junk after it (module_utils.json_utils._filter_non_json_lines). */
export function filterNonJsonLines(stdout: string): { json: string; warnings: string[] } {
  const lines = stdout.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const start = lines.findIndex((l) => l.trim().startsWith('{'));
  if (start < 0) throw new Error('No start of json char found');
  const rest = lines.slice(start);
  let end = -1;
  for (let i = rest.length - 1; i >= 0; i--) {
    if (rest[i]!.trim().endsWith('}')) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('No end of json char found');
  const trailing = rest.slice(end + 1);
  const warnings = trailing.some((l) => l.trim()) ? [`Module invocation had junk after the JSON data: ${trailing.join('\n')}`] : [];
  return { json: rest.slice(0, end + 1).join('\n'), warnings };
}

/** `keepStderr`: under async, Ansible's async_wrapper adds what the module wrote to stderr as `stderr`. */
export function moduleResult(r: ExecResult, interpreter: string, options: { keepStderr?: boolean } = {}): ModuleResult {
  let data: unknown;
  let warnings: string[];
  try {
    const filtered = filterNonJsonLines(r.stdout);
    warnings = filtered.warnings;
    data = JSON.parse(filtered.json);
    if (!isDict(data)) throw new Error('the module returned no JSON object');
  } catch (e) {
    const notFound = new RegExp(`${interpreter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (?:No such file or directory|not found|command not found)`);
    const msg = notFound.test(r.stderr) || notFound.test(r.stdout)
      ? `The module interpreter '${interpreter}' was not found.`
      : `Module result deserialization failed: ${e instanceof Error ? e.message : String(e)}`;
    return { changed: false, failed: true, msg, module_stdout: r.stdout, module_stderr: r.stderr, rc: r.rc };
  }
  const out: Record<string, unknown> = {};
  // Internal keys are the controller's (Ansible's remove_internal_keys), as are empty warnings.
  for (const [k, v] of Object.entries(data)) if (!k.startsWith('_ansible_')) out[k] = v;
  const moduleWarnings = Array.isArray(out['warnings']) ? (out['warnings'] as unknown[]) : [];
  if (warnings.length || moduleWarnings.length) out['warnings'] = [...moduleWarnings, ...warnings];
  else delete out['warnings'];
  if (Array.isArray(out['deprecations']) && out['deprecations'].length === 0) delete out['deprecations'];
  // A `results` that is not a list would pass for a loop's; Ansible renames it.
  if ('results' in out && !Array.isArray(out['results'])) {
    out['ansible_module_results'] = out['results'];
    delete out['results'];
  }
  if (options.keepStderr && r.stderr && !('stderr' in out)) out['stderr'] = r.stderr;
  // An exception the module did not catch comes as an ErrorSummary with no msg: Ansible's task error names it.
  const event = isDict(out['exception']) && isDict(out['exception']['event']) ? out['exception']['event'] : undefined;
  if (out['failed'] && !('msg' in out) && typeof event?.['msg'] === 'string') out['msg'] = `Task failed: Module failed: ${event['msg']}`;
  for (const stream of ['stdout', 'stderr'] as const) {
    if (stream in out && !(`${stream}_lines` in out)) out[`${stream}_lines`] = String(out[stream] || '').split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== '');
  }
  return { ...out, changed: truthy(out['changed'] ?? false) };
}
