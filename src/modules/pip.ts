/**
 * ansible.builtin.pip: Python packages (`ray[default]==2.53.0`, `vllm>=0.17,<1`), a requirements
 * file, editable and VCS installs, into the system Python, a virtualenv (made when missing) or
 * the pip an `executable` names (a conda environment's). pip and what it has installed are read
 * in one round trip and matched in the controller (PEP 440), so `present` and `absent` run pip
 * only when something is missing or there; `latest` and `forcereinstall` always ask pip. pip's
 * own configuration (pip.conf, PIP_* variables, index-url and find-links in extra_args) is passed
 * through untouched, so a mirror or an offline wheelhouse works as pip does.
 */
import { pipPackages } from '../facts/pip.js';
import { join, split } from '../python/shlex.js';
import { defineModule } from './define.js';
import { type Plan, type PlanStep, applyPlan } from './support/plan.js';
import { type PipPackage, canonicalInstalled, editableArgs, hasVersionSpecifier, isVcsUrl, pipPackage, planPip, recoverPackageNames, simpleRequirements } from './support/pip.js';
import { parsePipList } from '../facts/pip.js';

const STATE_ARGS = {
  present: ['install'],
  absent: ['uninstall', '-y'],
  latest: ['install', '-U'],
  forcereinstall: ['install', '-U', '--force-reinstall'],
} as const;

/** extra_args after which what pip lists no longer tells what pip would do: it must run. */
const RUN_ANYWAY = /(^|\s)(-U|--upgrade|--force-reinstall|-e|--editable|--user|-t|--target|--prefix|--root|-r|--requirement|-c|--constraint|--ignore-installed|-I)(\s|=|$)/;

const M = '@@pb:pip-';

/** Ansible's _fail message: the command's stdout, then its stderr. */
function failMessage(out: string, err: string): string {
  let msg = '';
  if (out) msg += `stdout: ${out}`;
  if (err) msg += `\n:stderr: ${err}`;
  return msg;
}

export default defineModule({
  name: 'pip',
  supportsCheckMode: true,
  spec: {
    options: {
      state: { type: 'str', default: 'present', choices: ['absent', 'forcereinstall', 'latest', 'present'] },
      name: { type: 'list', elements: 'str' },
      version: { type: 'str' },
      requirements: { type: 'str' },
      virtualenv: { type: 'path' },
      virtualenv_site_packages: { type: 'bool', default: false },
      virtualenv_command: { type: 'path', default: 'virtualenv' },
      virtualenv_python: { type: 'str' },
      extra_args: { type: 'str' },
      editable: { type: 'bool', default: false },
      chdir: { type: 'path' },
      executable: { type: 'path' },
      umask: { type: 'str' },
      break_system_packages: { type: 'bool', default: false },
    },
    requiredOneOf: [['name', 'requirements']],
    mutuallyExclusive: [
      ['name', 'requirements'],
      ['executable', 'virtualenv'],
    ],
  },
  async run(args, ctx) {
    const { state, name, version, requirements } = args;
    let env = args.virtualenv;
    if (env && args.chdir) env = env.startsWith('/') ? env : `${args.chdir.replace(/\/+$/, '')}/${env}`;
    let umask: string | undefined;
    if (args.umask) {
      if (!/^[0-7]+$/.test(args.umask.replace(/^0o/i, ''))) return { changed: false, failed: true, msg: 'umask must be an octal integer', details: `invalid literal for int() with base 8: '${args.umask}'` };
      umask = args.umask.replace(/^0o/i, '');
    }
    if (state === 'latest' && version !== null) return { changed: false, failed: true, msg: 'version is incompatible with state=latest' };
    const chdir = args.chdir ?? '/tmp';

    let packages: PipPackage[] = [];
    if (name) {
      packages = recoverPackageNames(name).map((n) => pipPackage(n));
      if (version !== null) {
        if (packages.length > 1) return { changed: false, failed: true, msg: "'version' argument is ambiguous when installing multiple package distributions. Please specify version restrictions next to each package in 'name' argument." };
        if (hasVersionSpecifier(packages[0]!)) return { changed: false, failed: true, msg: "The 'version' argument conflicts with any version specifier provided along with a package name. Please keep the version specifier, but remove the 'version' argument." };
        packages[0] = pipPackage(packages[0]!.arg, version);
      }
    }
    const hasVcs = (name ?? []).some((n) => n && isVcsUrl(n));
    let extraArgs = args.extra_args;
    if (args.editable) extraArgs = editableArgs(extraArgs);

    const venvArgv = split(args.virtualenv_command);
    const venvProgram = venvArgv[0] ?? '';
    const kind = args.executable !== null ? 'executable' : env ? 'virtualenv' : 'default';
    const [pip] = await ctx.facts.gather([pipPackages.with(kind, args.executable ?? env ?? '', requirements ?? '', env && !venvProgram.includes('/') ? venvProgram : '', chdir)]);

    const steps: PlanStep[] = [];
    let venvCreated = false;
    let pipArgv = pip.pip;
    if (env && !pip.venvExists) {
      venvCreated = true;
      if (ctx.checkMode) return { changed: true };
      const argv = [...venvArgv];
      if (!venvProgram.includes('/')) {
        if (!pip.venvCommand) return { changed: false, failed: true, msg: `Failed to find required executable "${venvProgram}" in paths: ${pip.path}` };
        argv[0] = pip.venvCommand;
      }
      if (args.virtualenv_site_packages) argv.push('--system-site-packages');
      const isVenv = ['pyvenv', '-m venv'].some((ex) => args.virtualenv_command.includes(ex));
      if (!isVenv) argv.push(`-p${args.virtualenv_python ?? pip.python}`);
      else if (args.virtualenv_python) return { changed: false, failed: true, msg: 'virtualenv_python should not be used when using the venv module or pyvenv as virtualenv_command' };
      argv.push(env);
      steps.push({ summary: 'create the virtualenv', argv, error: ({ stdout, stderr }) => failMessage(stdout, stderr) });
      pipArgv = [`${env}/bin/pip3`];
    } else if (pipArgv.length === 0) {
      if (env) return { changed: false, failed: true, msg: `Unable to find pip in the virtualenv, ${env}, under any of these names: pip3, pip. Make sure pip is present in the virtualenv.` };
      return { changed: false, failed: true, msg: `Unable to find any of ${args.executable ?? 'pip3'} to use.  pip needs to be installed.` };
    }

    const cmd = [...pipArgv, ...STATE_ARGS[state], ...(extraArgs ? split(extraArgs) : []), ...(name ? packages.map((p) => p.arg) : ['-r', requirements ?? ''])];
    const returned = { cmd, name, version, state, requirements, virtualenv: env };

    // What can be decided from what pip lists: present and absent of plain requirements.
    let decided: boolean | undefined;
    const installed = venvCreated ? new Map<string, string>() : pip.installed;
    if (installed && (state === 'present' || state === 'absent') && !hasVcs && !args.editable && !(extraArgs && RUN_ANYWAY.test(` ${extraArgs} `))) {
      const wanted = name ? packages : requirements && pip.requirements !== undefined ? simpleRequirements(pip.requirements) : undefined;
      if (wanted) decided = planPip(wanted, installed, state).length > 0;
    }
    if (ctx.checkMode) return { changed: decided ?? true, cmd: [...pipArgv, 'list', '--format=freeze'].join(' '), stdout: '', stderr: '' };
    if (decided === false && !venvCreated) return { changed: false, ...returned, stdout: '', stderr: '' };

    // Requirements and VCS URLs: changed is whether the list of installed packages changed.
    const compare = Boolean(requirements) || hasVcs;
    const list = (marker: string): PlanStep[] => [
      { summary: 'mark the listing', argv: ['printf', '%s\\n', `${M}${marker}`] },
      { summary: 'list the installed packages', argv: [...pipArgv, 'list', '--format=freeze'], error: ({ stdout, stderr }) => failMessage(stdout, stderr) },
      { summary: 'mark the listing', argv: ['printf', '%s\\n', `${M}end`] },
    ];
    if (compare) steps.push(...list('before'));
    steps.push({ summary: `pip ${STATE_ARGS[state][0]}`, argv: cmd, error: ({ stdout, stderr }) => failMessage(stdout, stderr) });
    if (compare) steps.push(...list('after'));
    const prelude = [`cd ${join([chdir])} || exit 1`, ...(umask ? [`umask ${umask}`] : []), ...(env ? [`PATH=${join([`${env}/bin`])}:$PATH; export PATH`] : [])].join('\n');
    const plan: Plan = { steps, prelude, env: args.break_system_packages ? { PIP_BREAK_SYSTEM_PACKAGES: '1' } : {} };
    const outcome = await applyPlan(ctx, plan);
    const sections = new Map<string, string>();
    const stdout = outcome.stdout.replace(new RegExp(`${M}(before|after)\\n([\\s\\S]*?)${M}end\\n`, 'g'), (_all, which: string, body: string) => {
      sections.set(which, body);
      return '';
    });
    if (outcome.failure) {
      const f = outcome.failure;
      if (!(state === 'absent' && f.rc === 1 && (f.stdout + f.stderr).includes('not installed'))) {
        return { changed: false, failed: true, cmd: [...f.step.argv], msg: failMessage(stdout, f.stderr) };
      }
    }
    let changed: boolean;
    if (state === 'absent') changed = stdout.includes('Successfully uninstalled');
    else if (!compare) changed = stdout.includes('Successfully installed');
    else {
      const before = canonicalInstalled(parsePipList(sections.get('before') ?? '') ?? new Map());
      const after = canonicalInstalled(parsePipList(sections.get('after') ?? '') ?? new Map());
      changed = before.size !== after.size || [...after].some(([k, v]) => before.get(k) !== v);
    }
    return { changed: changed || venvCreated, ...returned, stdout, stderr: outcome.stderr };
  },
});
