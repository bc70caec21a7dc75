/**
 * ansible.builtin.apt's logic, shared by the apt and package modules: the request (names with
 * `=version` or `>=version`, fnmatch names, a .deb, an upgrade, a cache update) is read against
 * the apt_packages fact (one round trip), planned with planPackages and Ansible's decisions, and
 * carried out by apt-get in one more, waiting for the dpkg and lists locks up to `lock_timeout`.
 */
import { type AptPackage, type AptState, aptPackages, debFiles, hasFiles, isNamePattern } from '../../facts/apt.js';
import { fnmatch } from '../../python/fnmatch.js';
import { join, quote } from '../../python/shlex.js';
import type { ArgsOf, ArgumentSpec } from '../args.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { compareDebianVersions } from './debian-version.js';
import { type WantedPackage, planPackages } from './packages.js';
import { type Plan, type PlanOutcome, type PlanStep, applyPlan } from './plan.js';

export const APT_SPEC = {
  options: {
    state: { type: 'str', default: 'present', choices: ['absent', 'build-dep', 'fixed', 'latest', 'present'] },
    update_cache: { type: 'bool', aliases: ['update-cache'] },
    update_cache_retries: { type: 'int', default: 5 },
    update_cache_retry_max_delay: { type: 'int', default: 12 },
    cache_valid_time: { type: 'int', default: 0 },
    purge: { type: 'bool', default: false },
    package: { type: 'list', elements: 'str', aliases: ['pkg', 'name'] },
    deb: { type: 'path' },
    default_release: { type: 'str', aliases: ['default-release'] },
    install_recommends: { type: 'bool', aliases: ['install-recommends'] },
    force: { type: 'bool', default: false },
    upgrade: { type: 'str', choices: ['dist', 'full', 'no', 'safe', 'yes'], default: 'no' },
    dpkg_options: { type: 'str', default: 'force-confdef,force-confold' },
    autoremove: { type: 'bool', default: false },
    autoclean: { type: 'bool', default: false },
    fail_on_autoremove: { type: 'bool', default: false },
    policy_rc_d: { type: 'int' },
    only_upgrade: { type: 'bool', default: false },
    force_apt_get: { type: 'bool', default: false },
    clean: { type: 'bool', default: false },
    allow_unauthenticated: { type: 'bool', default: false, aliases: ['allow-unauthenticated'] },
    allow_downgrade: { type: 'bool', default: false, aliases: ['allow-downgrade', 'allow_downgrades', 'allow-downgrades'] },
    allow_change_held_packages: { type: 'bool', default: false },
    lock_timeout: { type: 'int', default: 60 },
    auto_install_module_deps: { type: 'bool', default: true },
  },
  mutuallyExclusive: [['deb', 'package', 'upgrade']],
} as const satisfies ArgumentSpec;

export type AptArgs = ArgsOf<typeof APT_SPEC>;

/** apt-get's environment in Ansible's apt module: no questions, output in a locale it can read. */
export const APT_ENV: Record<string, string> = { DEBIAN_FRONTEND: 'noninteractive', DEBIAN_PRIORITY: 'critical', LANG: 'C', LC_ALL: 'C', LC_MESSAGES: 'C', LC_CTYPE: 'C', LANGUAGE: 'C' };

/**
 * Shell functions the apt plans run through. `pb_apt` runs an apt command and, while it fails
 * because another process holds the dpkg or lists lock, runs it again every second until
 * PB_LOCK_TIMEOUT seconds have passed (apt gives up at once, and names the holder). `pb_update`
 * is `apt-get update` tried PB_RETRIES times with Ansible's backoff. `pb_quiet` keeps a command's
 * output to itself unless it fails.
 */
export function aptPrelude(lockTimeout: number, retries = 5, maxDelay = 12): string {
  return `PB_LOCK_TIMEOUT=${Math.max(0, lockTimeout)} PB_RETRIES=${Math.max(1, retries)} PB_MAX_DELAY=${Math.max(0, maxDelay)}
pb_apt() {
  pb_deadline=$(( $(date +%s) + PB_LOCK_TIMEOUT ))
  pb_out=$(mktemp) && pb_err=$(mktemp) || return 1
  while :; do
    "$@" >"$pb_out" 2>"$pb_err"; pb_rc=$?
    if [ "$pb_rc" -ne 0 ] && grep -q 'Could not get lock' "$pb_err" && [ "$(date +%s)" -lt "$pb_deadline" ]; then sleep 1; continue; fi
    break
  done
  cat "$pb_out"; cat "$pb_err" >&2; rm -f "$pb_out" "$pb_err"; return "$pb_rc"
}
pb_update() {
  pb_try=0
  while :; do
    pb_apt "$@" && return 0
    pb_urc=$?; pb_try=$((pb_try + 1))
    [ "$pb_try" -ge "$PB_RETRIES" ] && return "$pb_urc"
    pb_delay=$(( 1 << (pb_try - 1) )); [ "$pb_delay" -gt "$PB_MAX_DELAY" ] && pb_delay=$PB_MAX_DELAY
    sleep "$pb_delay"
  done
}
pb_quiet() {
  pb_qout=$("$@" 2>&1) || { pb_qrc=$?; printf '%s\\n' "$pb_qout" >&2; return "$pb_qrc"; }
}`;
}

/** The lock message apt printed, when another process held a lock to the end: names the holder. */
export function lockFailure(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => l.includes('Could not get lock'));
  return line?.replace(/^E:\s*/, '').trim();
}

/** `-o "Dpkg::Options::=--force-confdef" ...` as argv. */
export function dpkgOptions(compressed: string): string[] {
  return compressed.split(',').flatMap((o) => ['-o', `Dpkg::Options::=--${o}`]);
}

/** Ansible's package_split: `name`, `name=1.2*` or `name>=1.2`. */
export function packageSplit(spec: string): { name: string; cmp?: '=' | '>='; version?: string } {
  const m = /^(.*?)(>?=)(.*)$/s.exec(spec);
  if (!m) return { name: spec };
  return { name: m[1]!, cmp: m[2] as '=' | '>=', version: m[3]! };
}

/** Python's str.splitlines, for stdout_lines. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** stdout_lines and stderr_lines beside stdout and stderr, as Ansible's action adds them. */
export function withOutputLines(result: ModuleResult): ModuleResult {
  if (typeof result['stdout'] === 'string' && !('stdout_lines' in result)) result['stdout_lines'] = splitLines(result['stdout']);
  if (typeof result['stderr'] === 'string' && !('stderr_lines' in result)) result['stderr_lines'] = splitLines(result['stderr']);
  return result;
}

/** Ansible's parse_diff: apt-get's output from after "Reading state information..." to the "N upgraded" line. */
export function parseAptDiff(output: string): { prepared: string } {
  const lines = output.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let start = lines.indexOf('Resolving dependencies...');
  if (start < 0) start = lines.indexOf('Reading state information...');
  let end = lines.findIndex((l) => /^[0-9]+ (packages )?upgraded/.test(l));
  if (end < 0) end = lines.length;
  return { prepared: lines.slice(start + 1, end + 1).join('\n') };
}

export interface PackageStatus {
  name: string;
  installed: boolean;
  /** The installed version satisfies the request. */
  installedVersion: boolean;
  /** The version apt would install (the best match for `=`), `true` for a virtual package apt resolves, null for none. */
  installable: string | true | null;
  hasFiles: boolean;
  /** The installed version string, when installed. */
  version?: string;
}

/** The best version for a request: for `=`, the highest known version the pattern matches; else apt's candidate. */
export function bestMatch(pkg: AptPackage, cmp: string | undefined, version: string | undefined): string | null {
  if (cmp === '=' && version !== undefined) {
    const matching = pkg.versions.map((v) => v.version).filter((v) => fnmatch(v, version));
    if (matching.length === 0) return null;
    return matching.reduce((a, b) => (compareDebianVersions(b, a) > 0 ? b : a));
  }
  return pkg.candidate ?? null;
}

/**
 * A request apt cannot satisfy. `returned` is false for the failures Ansible raises where it reads
 * the cache (a name no package has), whose result carries no cache_updated/cache_update_time.
 */
export class AptError extends Error {
  override name = 'AptError';
  constructor(
    message: string,
    readonly returned = true,
  ) {
    super(message);
  }
}

/** Ansible's package_status, from the fact: installed, installed at a matching version, what can be installed, files left. */
export function packageStatus(state: AptState, name: string, cmp: '=' | '>=' | undefined, version: string | undefined, forInstall: boolean): PackageStatus {
  const pkg = state.packages[name];
  if (!pkg || pkg.versions.length === 0) {
    // No package has this name (python-apt's KeyError): a virtual package, or nothing.
    if (!forInstall) return { name, installed: false, installedVersion: false, installable: null, hasFiles: false };
    const providers = pkg?.providers ?? [];
    if (providers.length === 0) throw new AptError(`No package matching '${name}' is available`, false);
    if (providers.length === 1) {
      const provided = packageStatus(state, providers[0]!, cmp, version, true);
      if (provided.installed) return provided;
    }
    return { name, installed: false, installedVersion: false, installable: true, hasFiles: false };
  }
  const best = bestMatch(pkg, cmp, version);
  const files = hasFiles(pkg);
  if (pkg.installed === undefined) return { name, installed: false, installedVersion: false, installable: best, hasFiles: files };
  const iv = pkg.installed;
  let installedVersion: boolean;
  let installable: string | null = null;
  if (cmp === '=' && version !== undefined) {
    installedVersion = fnmatch(iv, version);
    if (best && iv !== best && fnmatch(best, version)) installable = best;
  } else if (cmp === '>=' && version !== undefined) {
    installedVersion = compareDebianVersions(iv, version) >= 0;
    if (best && iv !== best && compareDebianVersions(best, version) >= 0) installable = best;
  } else {
    installedVersion = true;
    if (best && iv !== best) installable = best;
  }
  return { name, installed: true, installedVersion, installable, hasFiles: files, version: iv };
}

/** The names a request list expands to: fnmatch patterns become the names they match (their version dropped, as in Ansible). */
export function expandPatterns(state: AptState, specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const { name } = packageSplit(spec);
    if (isNamePattern(name)) {
      const matches = state.matches[name] ?? [];
      if (matches.length === 0) throw new AptError(`No package(s) matching '${name}' available`, false);
      out.push(...matches);
    } else out.push(spec);
  }
  return out;
}

export interface InstallOptions {
  state: 'present' | 'latest' | 'fixed' | 'build-dep';
  onlyUpgrade: boolean;
}

export interface InstallPlan {
  /** apt-get's arguments for the packages: `name`, `name=version`. */
  packages: string[];
  /** Every name asked for (Ansible marks them manually installed). */
  names: string[];
  /** Installed, marked automatic, and not among the packages apt-get installs: apt-mark manual. */
  markManual: string[];
}

/** Whether an installed version matches `=pattern` (fnmatch on the version string) or `>=version` (dpkg's order). */
export function aptSatisfies(version: string, spec: string): boolean {
  if (spec.startsWith('>=')) return compareDebianVersions(version, spec.slice(2)) >= 0;
  return fnmatch(version, spec.startsWith('=') ? spec.slice(1) : spec);
}

/** Ansible's install(): what apt-get installs, from the statuses, through planPackages. */
export function planInstall(state: AptState, specs: readonly string[], options: InstallOptions): InstallPlan {
  const expanded = expandPatterns(state, specs);
  if (options.state === 'build-dep') return { packages: expanded, names: [], markManual: [] };
  const statuses = new Map<string, PackageStatus>();
  const split = new Map<string, ReturnType<typeof packageSplit>>();
  const wanted: WantedPackage[] = [];
  for (const spec of expanded) {
    const parts = packageSplit(spec);
    split.set(spec, parts);
    statuses.set(spec, packageStatus(state, parts.name, parts.cmp, parts.version, true));
    wanted.push({ name: spec, request: spec, ...(parts.cmp ? { spec: `${parts.cmp}${parts.version ?? ''}` } : {}) });
  }
  const installed = new Map([...statuses].filter(([, s]) => s.installed).map(([spec, s]) => [spec, s.version ?? '']));
  const plan = planPackages(wanted, installed, options.state === 'latest' ? 'latest' : 'present', {
    satisfies: aptSatisfies,
    // Installed and matching: apt-get runs again when a better version is installable, for
    // `latest`, and (Ansible's legacy rule) for a `pkg=1.*` that a newer version also matches.
    upgradable: (pkg, _version, st) => statuses.get(pkg.request)!.installable !== null && (st === 'latest' || split.get(pkg.request)?.cmp === '='),
  });
  const chosen = new Set([...plan.install, ...plan.upgrade].map((p) => p.request));
  const packages: string[] = [];
  for (const spec of expanded.filter((e) => chosen.has(e))) {
    const s = statuses.get(spec)!;
    const { name, cmp, version } = split.get(spec)!;
    if (!s.installed && options.onlyUpgrade) continue;
    if (!s.installedVersion && s.installable === null) throw new AptError(`no available installation candidate for ${spec}`);
    const reinstallPattern = s.installed && s.installedVersion && cmp === '=' && options.state !== 'latest';
    if (reinstallPattern) packages.push(`${name}=${version ?? ''}`);
    else if (s.installable !== true && s.installable !== null) packages.push(`${name}=${s.installable}`);
    else if (version !== undefined) packages.push(`${name}=${version}`);
    else packages.push(name);
  }
  const names = expanded.map((spec) => split.get(spec)!.name);
  const installing = new Set(packages.map((p) => packageSplit(p).name));
  const markManual = names.filter((n) => state.packages[n]?.installed !== undefined && state.packages[n]?.auto && !installing.has(n));
  return { packages, names, markManual: [...new Set(markManual)] };
}

/** Ansible's remove(): the requests (as written) whose package is installed at a matching version, or has files left to purge. */
export function planRemove(state: AptState, specs: readonly string[], purge: boolean): string[] {
  const expanded = expandPatterns(state, specs);
  const wanted: WantedPackage[] = [];
  const installed = new Map<string, string>();
  for (const spec of expanded) {
    const { name, cmp, version } = packageSplit(spec);
    const s = packageStatus(state, name, cmp, version, false);
    wanted.push({ name: spec, request: spec });
    if (s.installedVersion || (s.hasFiles && purge)) installed.set(spec, s.version ?? state.packages[name]?.dpkgVersion ?? '');
  }
  return planPackages(wanted, installed, 'absent', { satisfies: () => true }).remove.map((p) => p.request);
}

interface AptCommand {
  argv: string[];
  /** Ansible's command text for messages (`'/usr/bin/apt-get ... install 'hello'' failed: ...`). */
  text: string;
}

function aptGet(args: AptArgs, ctx: ModuleContext, verb: string[], extra: { packages?: string[]; flags?: string[] } = {}): AptCommand {
  const argv = ['apt-get', '-y', ...dpkgOptions(args.dpkg_options), ...(extra.flags ?? []), ...(ctx.checkMode ? ['--simulate'] : []), ...verb, ...(extra.packages ?? [])];
  return { argv, text: join(argv) };
}

function installFlags(args: AptArgs, options: InstallOptions): string[] {
  const flags: string[] = [];
  if (options.onlyUpgrade) flags.push('--only-upgrade');
  if (options.state === 'fixed') flags.push('--fix-broken');
  if (args.force) flags.push('--force-yes');
  if (args.autoremove && options.state !== 'build-dep') flags.push('--auto-remove');
  if (args.fail_on_autoremove) flags.push('--no-remove');
  return flags;
}

function trailingOptions(args: AptArgs, withRelease = true): string[] {
  const out: string[] = [];
  if (withRelease && args.default_release) out.push('-t', args.default_release);
  if (args.install_recommends === false) out.push('-o', 'APT::Install-Recommends=no');
  else if (args.install_recommends === true) out.push('-o', 'APT::Install-Recommends=yes');
  return out;
}

/** One apt plan run (or, in check mode, simulated: apt-get --simulate only looks). */
export async function runAptSteps(ctx: ModuleContext, args: AptArgs, steps: PlanStep[]): Promise<PlanOutcome> {
  const plan: Plan = { steps, prelude: aptPrelude(args.lock_timeout, args.update_cache_retries, args.update_cache_retry_max_delay), env: APT_ENV };
  return applyPlan(ctx, plan, { readOnly: ctx.checkMode });
}

function failedStep(outcome: PlanOutcome, message: (stderr: string) => string): ModuleResult {
  const f = outcome.failure!;
  const lock = lockFailure(f.stderr);
  return withOutputLines({ changed: false, failed: true, msg: lock ? `Failed to lock apt for exclusive operation: ${lock}` : message(f.stderr), stdout: f.stdout, stderr: f.stderr, rc: f.rc });
}

/** Refreshes the package lists when asked (update_cache, or cache_valid_time exceeded); returns the fact read after. */
async function updateCache(ctx: ModuleContext, args: AptArgs, request: ReturnType<typeof aptPackages.with>, state: AptState): Promise<{ state: AptState; updated: boolean; time: number } | ModuleResult> {
  let updated = false;
  let time = state.cacheMtime;
  if (!args.update_cache && !args.cache_valid_time) return { state, updated, time };
  if (state.cacheMtime + args.cache_valid_time >= state.now && args.cache_valid_time > 0) return { state, updated, time };
  if (ctx.checkMode) return { state, updated: true, time };
  const steps: PlanStep[] = [{ summary: 'update the apt cache', argv: ['apt-get', 'update', '-q', '-o', 'APT::Update::Error-Mode=any'], via: 'pb_update' }];
  const plan: Plan = { steps, prelude: aptPrelude(args.lock_timeout, args.update_cache_retries, args.update_cache_retry_max_delay), env: APT_ENV };
  const outcome = await applyPlan(ctx, plan);
  if (outcome.failure) {
    const errors = outcome.failure.stderr
      .split('\n')
      .filter((l) => /^[EW]:/.test(l))
      .map((l) => l.replace(/^([EW]):\s*/, '$1:'));
    return failedStep(outcome, () => `Failed to update apt cache after ${args.update_cache_retries} retries: ${errors.join(', ') || outcome.failure?.stderr.trim() || 'unknown reason'}`);
  }
  const [after] = await ctx.facts.gather([request], { refresh: true });
  updated = after.cacheMtime !== state.cacheMtime;
  time = after.cacheMtime;
  return { state: after, updated, time };
}

function isResult(x: unknown): x is ModuleResult {
  return typeof x === 'object' && x !== null && 'changed' in x;
}

/** The apt module: Ansible's main(), in its order. */
export async function runApt(ctx: ModuleContext, args: AptArgs): Promise<ModuleResult> {
  // Refused rather than ignored: services would start (or not) against what the task asked.
  if (args.policy_rc_d !== null) return { changed: false, failed: true, msg: `apt: policy_rc_d (${args.policy_rc_d}) is not supported by playbook yet; write /usr/sbin/policy-rc.d in a task before apt and remove it after` };
  const requested = args.package ?? [];
  const packages = requested.map((p) => p.trim()).filter((p) => p !== '*');
  const names = [...new Set(packages.map((p) => packageSplit(p).name))];
  const request = aptPackages.with(args.default_release ?? '', ...names);
  const [first] = await ctx.facts.gather([request]);
  if (!first.available) return { changed: false, failed: true, msg: `apt-get was not found on this host: the apt module manages packages on Debian and Ubuntu hosts (use the package manager's own module elsewhere)` };

  let cleanOutput: ModuleResult | undefined;
  if (args.clean) {
    const outcome = ctx.checkMode ? { changed: true, stdout: '', stderr: '' } : await runAptSteps(ctx, args, [{ summary: 'apt-get clean', argv: ['apt-get', 'clean'], via: 'pb_apt' }]);
    if (outcome.failure) return failedStep(outcome, () => 'apt-get clean failed');
    cleanOutput = { changed: true, msg: outcome.stdout, stdout: outcome.stdout, stderr: outcome.stderr };
    if (requested.length === 0 && args.upgrade === 'no' && !args.deb) return withOutputLines({ ...cleanOutput, ...(ctx.diffMode ? { diff: parseAptDiff(outcome.stdout) } : {}) });
  }

  const cache = await updateCache(ctx, args, request, first);
  if (isResult(cache)) return cache;
  const { state, updated, time } = cache;
  const upgrade = args.upgrade === 'no' ? null : args.upgrade;
  if ((args.update_cache || args.cache_valid_time) && requested.length === 0 && !upgrade && !args.deb) {
    return { changed: updated, cache_updated: updated, cache_update_time: time };
  }

  if (upgrade) return runUpgrade(ctx, args, upgrade);
  if (args.deb) {
    if (args.state !== 'present') return { changed: false, failed: true, msg: 'deb only supports state=present' };
    return runDeb(ctx, args, args.deb);
  }
  const latest = args.state === 'latest';
  if (latest && requested.includes('*')) {
    if (packages.length) return { changed: false, failed: true, msg: 'unable to install additional packages when upgrading all installed packages' };
    return runUpgrade(ctx, args, 'yes');
  }
  const invalid = packages.find((p) => (p.match(/=/g) ?? []).length > 1);
  if (invalid) return { changed: false, failed: true, msg: `invalid package spec: ${invalid}` };
  if (packages.length === 0) {
    if (args.autoclean) return runCleanup(ctx, args, 'autoclean');
    if (args.autoremove) return runCleanup(ctx, args, 'autoremove');
  }
  const cacheFields = { cache_updated: updated, cache_update_time: time };
  try {
    if (args.state === 'absent') return await runRemove(ctx, args, state, packages);
    const result = await runInstall(ctx, args, state, packages, { state: args.state, onlyUpgrade: args.only_upgrade });
    return { ...result, ...cacheFields };
  } catch (e) {
    if (e instanceof AptError) return { changed: false, failed: true, msg: e.message, ...(args.state === 'absent' || !e.returned ? {} : cacheFields) };
    throw e;
  }
}

async function runInstall(ctx: ModuleContext, args: AptArgs, state: AptState, packages: string[], options: InstallOptions): Promise<ModuleResult> {
  const plan = planInstall(state, packages, options);
  const steps: PlanStep[] = [];
  let command: AptCommand | undefined;
  if (plan.packages.length) {
    const verb = options.state === 'build-dep' ? ['build-dep'] : ['install'];
    const flags = installFlags(args, options);
    const trailing = options.state === 'build-dep' ? [] : trailingOptions(args);
    const allow = [...(args.allow_unauthenticated ? ['--allow-unauthenticated'] : []), ...(args.allow_downgrade ? ['--allow-downgrades'] : []), ...(args.allow_change_held_packages ? ['--allow-change-held-packages'] : [])];
    command = aptGet(args, ctx, verb, { flags, packages: [...plan.packages, ...trailing, ...(options.state === 'build-dep' ? [] : allow)] });
    const text = command.text;
    steps.push({ summary: `apt-get ${verb[0]}`, argv: command.argv, via: 'pb_apt', error: ({ stderr }) => `'${text}' failed: ${stderr}` });
  }
  if (!ctx.checkMode && plan.markManual.length) {
    const argv = ['apt-mark', 'manual', ...plan.markManual];
    steps.push({ summary: 'apt-mark manual', argv, via: 'pb_quiet', error: ({ stderr }) => `'${join(argv)}' failed: ${stderr}` });
  }
  if (steps.length === 0) return { changed: false };
  const outcome = await runAptSteps(ctx, args, steps);
  if (outcome.failure) return failedStep(outcome, (stderr) => outcome.failure!.step.error?.({ rc: outcome.failure!.rc, stdout: outcome.failure!.stdout, stderr }) ?? stderr);
  if (!command) return { changed: false };
  let changed = true;
  if (options.state === 'build-dep') changed = !outcome.stdout.includes('\n0 upgraded, 0 newly installed, 0 to remove');
  return withOutputLines({ changed, stdout: outcome.stdout, stderr: outcome.stderr, ...(ctx.diffMode ? { diff: parseAptDiff(outcome.stdout) } : {}) });
}

async function runRemove(ctx: ModuleContext, args: AptArgs, state: AptState, packages: string[]): Promise<ModuleResult> {
  const remove = planRemove(state, packages, args.purge);
  if (remove.length === 0) return { changed: false };
  const flags = ['-q', ...(args.purge ? ['--purge'] : []), ...(args.force ? ['--force-yes'] : []), ...(args.autoremove ? ['--auto-remove'] : [])];
  const argv = ['apt-get', ...flags.slice(0, 1), '-y', ...dpkgOptions(args.dpkg_options), ...flags.slice(1), ...(ctx.checkMode ? ['--simulate'] : []), ...(args.allow_change_held_packages ? ['--allow-change-held-packages'] : []), 'remove', ...remove];
  const packagesText = remove.map((p) => quote(p)).join(' ');
  const outcome = await runAptSteps(ctx, args, [{ summary: 'apt-get remove', argv, via: 'pb_apt' }]);
  if (outcome.failure) return failedStep(outcome, (stderr) => `'apt-get remove ${packagesText}' failed: ${stderr}`);
  return withOutputLines({ changed: true, stdout: outcome.stdout, stderr: outcome.stderr, ...(ctx.diffMode ? { diff: parseAptDiff(outcome.stdout) } : {}) });
}

async function runCleanup(ctx: ModuleContext, args: AptArgs, operation: 'autoremove' | 'autoclean'): Promise<ModuleResult> {
  const argv = ['apt-get', '-y', ...dpkgOptions(args.dpkg_options), ...(args.purge ? ['--purge'] : []), ...(args.force ? ['--force-yes'] : []), operation, ...(ctx.checkMode ? ['--simulate'] : [])];
  const outcome = await runAptSteps(ctx, args, [{ summary: `apt-get ${operation}`, argv, via: 'pb_apt' }]);
  if (outcome.failure) return failedStep(outcome, (stderr) => `'apt-get ${operation}' failed: ${stderr}`);
  const changed = outcome.stdout.includes(operation === 'autoremove' ? 'The following packages will be REMOVED' : 'Del ');
  return withOutputLines({ changed, stdout: outcome.stdout, stderr: outcome.stderr, ...(ctx.diffMode ? { diff: parseAptDiff(outcome.stdout) } : {}) });
}

/**
 * upgrade=yes|safe|full|dist with apt-get (Ansible uses aptitude for safe and full when it is
 * installed; apt-get's `upgrade --with-new-pkgs` and `dist-upgrade` are what it falls back to).
 */
async function runUpgrade(ctx: ModuleContext, args: AptArgs, mode: string): Promise<ModuleResult> {
  const verb = mode === 'dist' || mode === 'full' ? ['dist-upgrade'] : ['upgrade', '--with-new-pkgs'];
  const flags = [...(args.force ? ['--force-yes'] : []), ...(args.fail_on_autoremove ? ['--no-remove'] : []), ...(args.allow_unauthenticated ? ['--allow-unauthenticated'] : []), ...(args.allow_downgrade ? ['--allow-downgrades'] : [])];
  const argv = ['apt-get', '-y', ...dpkgOptions(args.dpkg_options), ...flags, ...(ctx.checkMode ? ['--simulate'] : []), ...verb, ...(args.autoremove ? ['--auto-remove'] : []), ...(args.default_release ? ['-t', args.default_release] : [])];
  const outcome = await runAptSteps(ctx, args, [{ summary: `apt-get ${verb[0]}`, argv, via: 'pb_apt' }]);
  if (outcome.failure) return failedStep(outcome, (stderr) => `'apt-get ${verb.join(' ')}' failed: ${stderr}`);
  const out = outcome.stdout;
  if (out.includes('\n0 upgraded, 0 newly installed, 0 to remove')) return withOutputLines({ changed: false, msg: out, stdout: out, stderr: outcome.stderr });
  return withOutputLines({ changed: true, msg: out, stdout: out, stderr: outcome.stderr, ...(ctx.diffMode ? { diff: parseAptDiff(out) } : {}) });
}

/** Downloads a .deb on the host into a directory of its own (curl, wget or Python, whichever is there). */
const DOWNLOAD = `url=$1 dir=$(mktemp -d) || exit 1
name=\${url%%[?#]*}; name=\${name##*/}; [ -n "$name" ] || name=download.deb
f="$dir/$name"
if command -v curl >/dev/null 2>&1; then err=$(curl -fsSL -o "$f" -- "$url" 2>&1)
elif command -v wget >/dev/null 2>&1; then err=$(wget -q -O "$f" -- "$url" 2>&1)
else err=$(python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$url" "$f" 2>&1 | tail -n 1)
fi || { rc=$?; rm -rf "$dir"; printf '%s\n' "$err" >&2; exit "$rc"; }
printf '%s\n' "$f"`;

/**
 * deb=: the package files (a path on the host, several separated by commas, or one URL the host
 * downloads), installed with apt-get so that their dependencies come from the repositories.
 * A file whose version is installed already is left alone; an older one needs allow_downgrade.
 */
async function runDeb(ctx: ModuleContext, args: AptArgs, deb: string): Promise<ModuleResult> {
  let paths = deb.split(',');
  let downloaded: string | undefined;
  if (deb.includes('://')) {
    const r = await ctx.conn.exec(['sh', '-c', DOWNLOAD, 'download', deb], { become: ctx.become, env: ctx.environment });
    if (r.rc !== 0) return { changed: false, failed: true, msg: `Failure downloading ${deb}, ${r.stderr.trim() || `exit status ${String(r.rc)}`}` };
    downloaded = r.stdout.trim();
    paths = [downloaded];
  }
  const cleanup = downloaded ? `trap 'rm -rf ${quote(downloaded.slice(0, downloaded.lastIndexOf('/')))}' EXIT` : '';
  const done = async (result: ModuleResult): Promise<ModuleResult> => {
    if (downloaded) await ctx.conn.exec(['rm', '-rf', downloaded.slice(0, downloaded.lastIndexOf('/'))], { become: ctx.become });
    return result;
  };
  const [files] = await ctx.facts.gather([debFiles.with(...paths)]);
  const install: string[] = [];
  for (const file of files) {
    if (!file.readable) return done({ changed: false, failed: true, msg: `Unable to install package: ${file.error || `cannot read ${file.path}`}` });
    const version = file.fields['Version'] ?? '';
    if (file.installed !== undefined && compareDebianVersions(version, file.installed) === 0) continue;
    if (!args.force) {
      if (!file.fields['Architecture']) return done({ changed: false, failed: true, msg: 'No Architecture field in the package' });
      if (file.installed !== undefined && compareDebianVersions(version, file.installed) < 0 && !args.allow_downgrade) return done({ changed: false, failed: true, msg: 'A later version is already installed' });
    }
    install.push(file.path.includes('/') ? file.path : `./${file.path}`);
  }
  if (install.length === 0) return done({ changed: false, stdout: '', stderr: '' });
  const flags = [...(args.force ? ['--force-yes'] : []), ...(args.fail_on_autoremove ? ['--no-remove'] : []), ...(args.allow_downgrade || args.force ? ['--allow-downgrades'] : []), ...(args.allow_unauthenticated ? ['--allow-unauthenticated'] : []), ...(args.allow_change_held_packages ? ['--allow-change-held-packages'] : [])];
  const command = aptGet(args, ctx, ['install'], { flags, packages: [...install, ...trailingOptions(args, false)] });
  const plan: Plan = { steps: [{ summary: 'apt-get install', argv: command.argv, via: 'pb_apt' }], prelude: [aptPrelude(args.lock_timeout), cleanup].filter(Boolean).join('\n'), env: APT_ENV };
  const outcome = await applyPlan(ctx, plan, { readOnly: ctx.checkMode });
  if (outcome.failure) return failedStep(outcome, (stderr) => `'${command.text}' failed: ${stderr}`);
  return withOutputLines({ changed: true, stdout: outcome.stdout, stderr: outcome.stderr, ...(ctx.diffMode ? { diff: parseAptDiff(outcome.stdout) } : {}) });
}
