/**
 * ansible.builtin.script: a script of the controller (found in files/, then as given) copied to a
 * temporary file on the host and run there with the rest of the free-form line as its arguments
 * (their quoting kept), through `executable` when given, in `chdir`; the file is removed in the same
 * round trip. creates/removes skip it with Ansible's messages; check mode reports changed when
 * creates/removes decided it would run, and is skipped otherwise (the script's effect is unknown).
 * Always changed when it runs; a non-zero status fails it with 'non-zero return code'.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { split as shlexSplit, quote } from '../python/shlex.js';
import { defineModule } from './define.js';
import { baseName } from './support/paths.js';

/** Python's str.splitlines() on the text a command printed. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export default defineModule({
  name: 'script',
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      _raw_params: { type: 'str' },
      cmd: { type: 'str' },
      creates: { type: 'str' },
      removes: { type: 'str' },
      chdir: { type: 'str' },
      executable: { type: 'str' },
      decrypt: { type: 'bool', default: true },
    },
    requiredOneOf: [['_raw_params', 'cmd']],
    mutuallyExclusive: [['_raw_params', 'cmd']],
  },
  async run(args, ctx) {
    const fail = (msg: string): { changed: false; failed: true; msg: string } => ({ changed: false, failed: true, msg });
    const exists = async (p: string): Promise<boolean> => (await ctx.conn.stat(p, { become: ctx.become, follow: true })) !== null;
    if (args.creates && (await exists(args.creates))) return { changed: false, skipped: true, msg: `${args.creates} exists, matching creates option` };
    if (args.removes && !(await exists(args.removes))) return { changed: false, skipped: true, msg: `${args.removes} does not exist, matching removes option` };
    if (args.chdir && !args.chdir.startsWith('/')) return fail(`chdir ${args.chdir} must be an absolute path for a Unix-aware remote node`);

    const raw = (args._raw_params ?? args.cmd ?? '').trim();
    let parts: string[];
    try {
      parts = shlexSplit(raw);
    } catch (e) {
      return fail((e as Error).message);
    }
    const [script] = parts;
    if (script === undefined) return fail('script: no script named in the free-form line or cmd');
    const found = ctx.findFile('files', script);
    if (found === undefined) return fail(`Could not find or access '${script}' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option`);

    if (ctx.checkMode) {
      if (args.creates || args.removes) return { changed: true };
      return { changed: false, skipped: true, msg: 'Check mode is not supported for this task.' };
    }

    // Ansible replaces the script's name in the line with the copy's path, keeping the arguments' quoting.
    const dir = `/tmp/.playbook-script-${randomBytes(6).toString('hex')}`;
    const remote = `${dir}/${baseName(found)}`;
    const target = raw.replace(script, quote(remote));
    const line = `${args.executable ? `${args.executable} ` : ''}${target}`;
    const wrapped = [
      `umask 077; mkdir ${quote(dir)} && cat > ${quote(remote)} && chmod 0700 ${quote(remote)} || { rm -rf ${quote(dir)}; exit 126; }`,
      `(${args.chdir ? `cd ${quote(args.chdir)} && ` : ''}${line}) </dev/null; rc=$?`,
      `rm -rf ${quote(dir)}; exit $rc`,
    ].join('\n');
    const r = await ctx.conn.exec(['sh', '-c', wrapped], { stdin: readFileSync(found), env: ctx.environment, become: ctx.become });
    const result = { changed: true, rc: r.rc, stdout: r.stdout, stderr: r.stderr, stdout_lines: splitLines(r.stdout), stderr_lines: splitLines(r.stderr) };
    return r.rc === 0 ? result : { ...result, failed: true, msg: 'non-zero return code' };
  },
});
