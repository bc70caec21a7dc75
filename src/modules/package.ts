/**
 * ansible.builtin.package: the host's own package manager module, with the task's other
 * arguments. The manager comes from `use`, else the `ansible_package_use` variable, else the
 * gathered `ansible_facts.pkg_mgr`, else the pkg_mgr fact read now. playbook carries apt; on a
 * host whose manager is another, the task fails naming it.
 */
import { pkgMgr } from '../facts/pkg-mgr.js';
import { isAnsibleBuiltinModule } from './ansible-builtin.js';
import { isDict } from '../python/values.js';
import { ArgumentError, validateArgs } from './args.js';
import { defineModule } from './define.js';
import { APT_SPEC, runApt } from './support/apt.js';

/** The package managers Ansible's package action knows; playbook runs the first, apt. */
const SUPPORTED = ['apt'];

export default defineModule({
  name: 'package',
  supportsCheckMode: true,
  spec: {
    options: {
      use: { type: 'str', default: 'auto' },
    },
    // Everything else goes to the manager's module, which checks it (as Ansible's action does).
    freeKeys: true,
  },
  async run(args, ctx) {
    const { use, ...rest } = args;
    let manager = use;
    if (manager === 'auto') {
      const configured = ctx.variable('ansible_package_use');
      const facts = ctx.variable('ansible_facts');
      const gathered = isDict(facts) && typeof facts['pkg_mgr'] === 'string' ? facts['pkg_mgr'] : undefined;
      manager = typeof configured === 'string' && configured ? configured : (gathered ?? (await ctx.facts.get(pkgMgr)).pkg_mgr);
    }
    const short = manager.replace(/^ansible\.(builtin|legacy)\./, '');
    if (!SUPPORTED.includes(short)) {
      if (short === 'unknown' || short === 'auto') return { changed: false, failed: true, msg: 'Could not detect which package manager to use. Try gathering facts or setting the "use" option.' };
      // Ansible's words for a manager no module answers to.
      if (!isAnsibleBuiltinModule(manager)) return { changed: false, failed: true, msg: `Could not find a matching action for the "${manager}" package manager.` };
      return { changed: false, failed: true, msg: `package: this host's package manager is ${short}, which playbook does not support (it supports ${SUPPORTED.join(', ')}); use ${short}'s own tooling for this host, or set "use" if the detection is wrong` };
    }
    try {
      return await runApt(ctx, validateArgs('ansible.legacy.apt', APT_SPEC, rest));
    } catch (e) {
      if (e instanceof ArgumentError) return { changed: false, failed: true, msg: e.message };
      throw e;
    }
  },
});
