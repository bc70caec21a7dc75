/** setup (gather_facts): every fact in one command on the host. */
import { FACTS_SCRIPT } from '../facts/script.js';
import { parseFactLines } from '../facts/parse.js';
import { type ModuleDefinition, defineModule } from './types.js';

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

export const setup: ModuleDefinition = defineModule({
  name: 'setup',
  supportsCheckMode: true,
  spec: {
    options: {
      gather_subset: { type: 'list', elements: 'str', default: ['all'] },
      filter: { type: 'list', elements: 'str', default: [] },
      gather_timeout: { type: 'int', default: 10 },
      fact_path: { type: 'path' },
    },
  },
  async run(args, ctx) {
    const r = await ctx.conn.exec(FACTS_SCRIPT, { timeoutMs: Number(args['gather_timeout']) * 1000 });
    if (r.rc !== 0 && r.stdout === '') return { changed: false, failed: true, msg: `fact gathering failed: ${r.stderr.trim()}` };
    let facts = parseFactLines(r.stdout);
    const subset = (args['gather_subset'] as string[]).map((s) => s.trim());
    if (subset.length && !subset.includes('all')) {
      const minimal = ['hostname', 'nodename', 'fqdn', 'distribution', 'distribution_version', 'distribution_major_version', 'distribution_release', 'os_family', 'kernel', 'architecture', 'system', 'user_id', 'user_uid', 'user_gid', 'user_dir', 'env', 'python', 'python_version', 'date_time'];
      const wanted = new Set(minimal);
      if (subset.some((s) => s === 'network' || s === 'interfaces' || s === 'default_ipv4')) for (const k of Object.keys(facts)) if (/ipv4|ipv6|interfaces/.test(k) || (typeof facts[k] === 'object' && facts[k] !== null && 'device' in (facts[k] as object))) wanted.add(k);
      if (subset.some((s) => s === 'hardware' || s === 'mounts')) ['processor_vcpus', 'memtotal_mb', 'mounts', 'gpus', 'gpu_count', 'gpu_processes'].forEach((k) => wanted.add(k));
      if (subset.includes('gpus')) ['gpus', 'gpu_count', 'gpu_processes'].forEach((k) => wanted.add(k));
      for (const excluded of subset.filter((s) => s.startsWith('!'))) wanted.delete(excluded.slice(1));
      facts = Object.fromEntries(Object.entries(facts).filter(([k]) => wanted.has(k)));
    }
    const filters = (args['filter'] as string[]).filter(Boolean);
    if (filters.length) {
      const res = filters.map((f) => globToRegExp(f.replace(/^ansible_/, '')));
      facts = Object.fromEntries(Object.entries(facts).filter(([k]) => res.some((re) => re.test(k))));
    }
    facts = { ...facts, gather_subset: subset, module_setup: true };
    return { changed: false, ansible_facts: facts };
  },
});
