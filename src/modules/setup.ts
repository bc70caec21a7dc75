/** setup (gather_facts): the facts gather_subset selects, in one command on the host, then filter. */
import { FactError, SETUP_SUBSETS, type SetupFact } from '../facts/index.js';
import { fnmatchRegExp } from '../python/fnmatch.js';
import { defineModule } from './define.js';

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
    const subset = args.gather_subset.map((s) => s.trim()).filter(Boolean);
    const chosen = selectSubsets(subset.length ? subset : ['all'], ['min', 'network', 'hardware', 'gpus', 'virtual']);
    const wanted = [...new Set([...chosen].flatMap((s): readonly SetupFact[] => SETUP_SUBSETS.get(s) ?? []))];
    let values: unknown[];
    try {
      // The task's environment (e.g. a PATH with nvidia-smi) and become apply, as to any module.
      // Gathering is always fresh (that is what setup is asked for), and refreshes the cache.
      values = await ctx.facts.gather(wanted.map((f) => f.with()), { refresh: true, timeoutMs: args.gather_timeout * 1000 });
    } catch (e) {
      if (e instanceof FactError) return { changed: false, failed: true, msg: `fact gathering failed: ${e.stderr.trim()}` };
      throw e;
    }
    // Returned as Ansible's setup returns them: ansible_ prefixed (our GPU facts keep their own
    // names), gather_subset and module_setup as they are.
    let facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(Object.assign({}, ...values) as Record<string, unknown>)) facts[k === 'gpus' || k.startsWith('gpu_') ? k : `ansible_${k}`] = v;
    facts = { ...facts, gather_subset: subset, module_setup: true };
    // The filter applies to every returned fact, gather_subset and module_setup included; a
    // pattern matches a fact's name with or without the ansible_ prefix.
    const filters = args.filter.filter(Boolean);
    if (filters.length) {
      const res = filters.map((f) => fnmatchRegExp(f));
      facts = Object.fromEntries(Object.entries(facts).filter(([k]) => res.some((re) => re.test(k) || re.test(k.replace(/^ansible_/, '')))));
    }
    return { changed: false, ansible_facts: facts };
  },
});
