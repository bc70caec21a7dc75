/**
 * ansible.builtin.package_facts: the installed packages as ansible_facts.packages, a name to a
 * list of {name, version, arch, category, origin, source} as Ansible gives them for apt (dpkg's
 * records, with the Origin of the repository the version comes from), in one round trip. apt is
 * the manager playbook reads; asking for another one fails naming it.
 */
import { dpkgPackages } from '../facts/apt.js';
import { FactError } from '../facts/fact.js';
import { defineModule } from './define.js';

/** Ansible's package_facts managers and their aliases. */
const KNOWN = ['apk', 'apt', 'pacman', 'pkg', 'pkg_info', 'portage', 'rpm', 'dnf', 'dnf5', 'yum', 'zypper', 'pkg5', 'pkgng', 'openbsd_pkg'];

export default defineModule({
  name: 'package_facts',
  supportsCheckMode: true,
  spec: {
    options: {
      manager: { type: 'list', elements: 'str', default: ['auto'] },
      strategy: { type: 'str', choices: ['first', 'all'], default: 'first' },
    },
  },
  async run(args, ctx) {
    const managers = args.manager.map((m) => m.toLowerCase());
    const unsupported = managers.filter((m) => m !== 'auto' && !KNOWN.includes(m));
    if (unsupported.length) return { changed: false, failed: true, msg: `Unsupported package managers requested: ${unsupported.join(', ')}` };
    const list = managers.includes('auto') ? ['apt', ...managers.filter((m) => m !== 'auto')] : managers;
    const warnings = list.filter((m) => m !== 'apt' && managers.includes(m)).map((m) => `Requested package manager ${m} was not usable by this module: playbook reads apt (dpkg) packages only`);
    if (!list.includes('apt')) {
      return { changed: false, failed: true, msg: `Could not detect a supported package manager from the following list: ${JSON.stringify(list).replace(/"/g, "'").replace(/,/g, ', ')}, or the required Python library is not installed. Check warnings for details.`, ...(warnings.length ? { warnings } : {}) };
    }
    let listed;
    try {
      listed = await ctx.facts.get(dpkgPackages);
    } catch (e) {
      if (!(e instanceof FactError)) throw e;
      return { changed: false, failed: true, msg: `Could not detect a supported package manager from the following list: ${JSON.stringify(list).replace(/"/g, "'").replace(/,/g, ', ')}, or the required Python library is not installed. Check warnings for details.`, warnings: [...warnings, `Found "apt" but dpkg-query could not list the packages: ${e.message}`] };
    }
    const packages: Record<string, Record<string, string>[]> = {};
    for (const p of listed.packages) (packages[p.name] ??= []).push({ name: p.name, version: p.version, arch: p.arch, category: p.category, origin: p.origin, source: 'apt' });
    return { changed: false, ansible_facts: { packages }, ...(warnings.length ? { warnings } : {}) };
  },
});
