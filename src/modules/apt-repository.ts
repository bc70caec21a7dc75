/**
 * ansible.builtin.apt_repository: a one-line apt source added to (or removed from) the host's
 * sources files, as Ansible names and writes them (/etc/apt/sources.list.d/<url as a name>.list,
 * or `filename`.list), then the package lists refreshed. The sources are read in one round trip;
 * the files are written atomically, and the cache updated, in one more; when the update fails
 * the files are put back as they were.
 */
import { aptSources } from '../facts/apt.js';
import type { Diff } from './types.js';
import { defineModule } from './define.js';
import { APT_ENV, aptPrelude, lockFailure } from './support/apt.js';
import { InvalidSource, type SourcesFiles, addSource, dumpSources, expandSourcesPath, parseSourceLine, parseSourcesFile, removeSource, suggestFilename } from './support/apt-sources.js';
import { ModeError, parseModeArg, resolveMode } from './support/mode.js';

/** Ansible's default mode for a sources file that gets a new repository. */
const DEFAULT_SOURCES_MODE = 0o644;

/**
 * Writes (or, with `-` as the text, removes) each `path mode base64` triple atomically, keeping
 * a copy of what was there; then `apt-get update` when $1 is yes. A failure puts every file back.
 */
const WRITE_AND_UPDATE = `update=$1; shift
bak=$(mktemp -d) || exit 1
: > "$bak/list"; n=0; tab=$(printf '\\t')
pb_write() {
  p=$1 mode=$2 data=$3; n=$((n + 1))
  if [ -e "$p" ]; then cp -p "$p" "$bak/$n" && printf 'old\\t%s\\t%s\\n' "$p" "$bak/$n" >> "$bak/list" || return 1; cur=$(stat -c %a "$p")
  else printf 'new\\t%s\\t\\n' "$p" >> "$bak/list"; cur=644; fi
  if [ "$data" = - ]; then rm -f "$p"; return; fi
  d=$(dirname "$p"); mkdir -p "$d" || return 1
  t=$(mktemp "$d/.$(basename "$p").XXXXXX") || return 1
  printf '%s' "$data" | base64 -d > "$t" && chmod "\${mode:-$cur}" "$t" && mv -f "$t" "$p" || { rm -f "$t"; return 1; }
}
pb_revert() { while IFS="$tab" read -r kind p saved; do if [ "$kind" = old ]; then mv -f "$saved" "$p"; else rm -f "$p"; fi; done < "$bak/list"; }
while [ $# -gt 0 ]; do
  pb_write "$1" "$2" "$3" || { rc=$?; pb_revert; rm -rf "$bak"; exit "$rc"; }
  shift 3
done
if [ "$update" = yes ]; then
  pb_update apt-get update -q -o APT::Update::Error-Mode=any; rc=$?
  if [ "$rc" -ne 0 ]; then pb_revert; rm -rf "$bak"; exit "$rc"; fi
fi
rm -rf "$bak"
exit 0`;

export default defineModule({
  name: 'apt_repository',
  supportsCheckMode: true,
  spec: {
    options: {
      repo: { type: 'str', required: true },
      state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
      mode: { type: 'raw' },
      update_cache: { type: 'bool', default: true, aliases: ['update-cache'] },
      update_cache_retries: { type: 'int', default: 5 },
      update_cache_retry_max_delay: { type: 'int', default: 12 },
      filename: { type: 'str' },
      install_python_apt: { type: 'bool', default: true },
      validate_certs: { type: 'bool', default: true },
      codename: { type: 'str' },
    },
  },
  async run(args, ctx) {
    const { repo, state } = args;
    if (!repo) return { changed: false, failed: true, msg: "Please set argument 'repo' to a non-empty value" };
    if (repo.startsWith('ppa:')) {
      return { changed: false, failed: true, msg: `apt_repository: Launchpad PPAs (${repo}) are not supported: adding one needs Launchpad's API and key server, which intranet hosts cannot reach; give the PPA's deb line as repo, with its key installed beforehand` };
    }
    let mode: number | undefined;
    try {
      const request = parseModeArg(args.mode);
      mode = request ? resolveMode(request, DEFAULT_SOURCES_MODE, false) : DEFAULT_SOURCES_MODE;
    } catch (e) {
      if (e instanceof ModeError) return { changed: false, failed: true, msg: e.msg, details: e.details };
      throw e;
    }
    const sources = await ctx.facts.get(aptSources);
    if (!sources.aptGet) return { changed: false, failed: true, msg: 'Module apt_repository is not supported on target: apt-get is not on this host (apt_repository manages the sources of Debian and Ubuntu hosts)' };
    const files: SourcesFiles = new Map(sources.files.map((f) => [f.path, parseSourcesFile(f.content)]));
    const links = new Map(sources.files.filter((f) => f.linkTarget).map((f) => [f.path, f.linkTarget!.startsWith('/') ? f.linkTarget! : `${f.path.slice(0, f.path.lastIndexOf('/') + 1)}${f.linkTarget!}`]));
    let change;
    try {
      const source = parseSourceLine(repo, true).source;
      change = state === 'present' ? addSource(files, repo, expandSourcesPath(sources.sourceparts, suggestFilename(source, args.filename))) : removeSource(files, repo);
    } catch (e) {
      if (e instanceof InvalidSource) return { changed: false, failed: true, msg: `Invalid repository string: ${e.message}` };
      throw e;
    }
    const before = dumpSources(files);
    const after = dumpSources(change.files);
    const touched = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
    const changed = touched.length > 0;
    const added = [...after.keys()].filter((f) => !before.has(f));
    const removed = [...before.keys()].filter((f) => !after.has(f));
    const result = { changed, repo, sources_added: added, sources_removed: removed, state };
    const diff: Diff[] = [...new Set([...added, ...removed])].map((f) => ({
      before: before.get(f) ?? '',
      after: after.get(f) ?? '',
      before_header: before.has(f) ? f : '/dev/null',
      after_header: after.has(f) ? f : '/dev/null',
    }));
    const withDiff = ctx.diffMode ? { ...result, diff } : result;
    if (!changed || ctx.checkMode) return withDiff;

    const triples = touched.flatMap((f) => {
      const text = after.get(f);
      const target = links.get(f) ?? f;
      return [target, change.newRepos.has(f) ? mode.toString(8) : '', text === undefined ? '-' : Buffer.from(text).toString('base64')];
    });
    const script = `${aptPrelude(60, args.update_cache_retries, args.update_cache_retry_max_delay)}\n${WRITE_AND_UPDATE}`;
    const r = await ctx.conn.exec(['sh', '-c', script, 'apt_repository', args.update_cache ? 'yes' : 'no', ...triples], { become: ctx.become, env: { ...ctx.environment, ...APT_ENV } });
    if (r.rc !== 0) {
      const lock = lockFailure(r.stderr);
      if (lock) return { ...withDiff, changed: false, failed: true, msg: `Failed to lock apt for exclusive operation: ${lock}` };
      const errors = r.stderr
        .split('\n')
        .filter((l) => /^[EW]:/.test(l))
        .map((l) => l.replace(/^([EW]):\s*/, '$1:'));
      if (args.update_cache && errors.length) return { ...withDiff, changed: false, failed: true, msg: `Failed to update apt cache after ${args.update_cache_retries} retries: ${errors.join(', ')}` };
      return { ...withDiff, changed: false, failed: true, msg: `Failed to write the apt sources (${touched.join(', ')}): ${r.stderr.trim() || `exit status ${String(r.rc)}`}` };
    }
    return withDiff;
  },
});
