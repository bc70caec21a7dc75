/** setup (gather_facts): every fact in one command on the host, then gather_subset and filter. */
import { FACTS_SCRIPT } from '../facts/script.js';
import { parseFactLines } from '../facts/parse.js';
import { fnmatchRegExp } from '../python/fnmatch.js';
import { defineModule } from './define.js';

const MINIMAL = ['hostname', 'nodename', 'fqdn', 'distribution', 'distribution_version', 'distribution_major_version', 'distribution_release', 'os_family', 'kernel', 'architecture', 'machine', 'system', 'user_id', 'user_uid', 'user_gid', 'user_dir', 'env', 'python', 'python_version', 'date_time'];
const HARDWARE = ['processor_vcpus', 'processor_nproc', 'memtotal_mb', 'mounts'];
const GPUS = ['gpus', 'gpu_count', 'gpu_processes'];

/** The facts of each subset name (sub-subsets such as `interfaces` stand for their whole subset). */
function subsetFacts(facts: Record<string, unknown>): Map<string, string[]> {
  const network = Object.keys(facts).filter((k) => /ipv4|ipv6|interfaces/.test(k) || (typeof facts[k] === 'object' && facts[k] !== null && 'device' in facts[k]));
  const hardware = [...HARDWARE, ...GPUS];
  return new Map([
    ['min', MINIMAL],
    ['network', network],
    ['interfaces', network],
    ['default_ipv4', network],
    ['all_ipv4_addresses', network],
    ['hardware', hardware],
    ['mounts', hardware],
    ['gpus', GPUS],
  ]);
}

/**
 * gather_subset as Ansible reads it: `all` or the named subsets, minus the `!` ones (`!all`
 * drops everything but min, which only `!min` drops); a subset named explicitly stays.
 */
function selectSubsets(subset: string[], known: string[]): Set<string> {
  const positive = subset.filter((s) => !s.startsWith('!'));
  const negative = new Set(subset.filter((s) => s.startsWith('!')).map((s) => s.slice(1)));
  const chosen = new Set<string>(positive.includes('all') && !negative.has('all') ? known : []);
  for (const s of positive) if (s !== 'all') chosen.add(s);
  for (const s of negative) if (s !== 'all' && !positive.includes(s)) chosen.delete(s);
  if (negative.has('min')) chosen.delete('min');
  else chosen.add('min');
  return chosen;
}

export default defineModule({
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
    // The task's environment (e.g. a PATH with nvidia-smi) and become apply, as to any module.
    const r = await ctx.conn.exec(FACTS_SCRIPT, { timeoutMs: args.gather_timeout * 1000, env: ctx.environment, become: ctx.become });
    if (r.rc !== 0 && r.stdout === '') return { changed: false, failed: true, msg: `fact gathering failed: ${r.stderr.trim()}` };
    let facts = parseFactLines(r.stdout);
    const subset = args.gather_subset.map((s) => s.trim()).filter(Boolean);
    const groups = subsetFacts(facts);
    const wanted = new Set([...selectSubsets(subset.length ? subset : ['all'], ['min', 'network', 'hardware', 'gpus'])].flatMap((s) => groups.get(s) ?? []));
    facts = Object.fromEntries(Object.entries(facts).filter(([k]) => wanted.has(k)));
    facts = { ...facts, gather_subset: subset, module_setup: true };
    // The filter applies to every returned fact, gather_subset and module_setup included; a
    // pattern matches a fact's name with or without the ansible_ prefix.
    const filters = args.filter.filter(Boolean);
    if (filters.length) {
      const res = filters.map((f) => fnmatchRegExp(f));
      facts = Object.fromEntries(Object.entries(facts).filter(([k]) => res.some((re) => re.test(k) || re.test(`ansible_${k}`))));
    }
    return { changed: false, ansible_facts: facts };
  },
});
