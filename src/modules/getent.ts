/** ansible.builtin.getent: a Name Service Switch database (passwd, group, hosts, ...) as getent_<database> facts. */
import { getent } from '../facts/getent.js';
import { defineModule } from './define.js';

const COLON_DATABASES = ['passwd', 'shadow', 'group', 'gshadow'];

/** getent's lines as Ansible stores them: the first field keys the rest; a repeated key gets a list. */
export function getentRecords(lines: readonly string[], split: string | null): Record<string, unknown> {
  const records: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  for (const line of lines) {
    const fields = split === null ? line.trim().split(/\s+/) : line.split(split);
    const [key = '', ...rest] = fields;
    const count = seen.get(key) ?? 0;
    if (count === 0) records[key] = rest;
    else if (count === 1) records[key] = [records[key], rest];
    else (records[key] as unknown[]).push(rest);
    seen.set(key, count + 1);
  }
  return records;
}

export default defineModule({
  name: 'getent',
  supportsCheckMode: true,
  spec: {
    options: {
      database: { type: 'str', required: true },
      key: { type: 'str' },
      service: { type: 'str' },
      split: { type: 'str' },
      fail_key: { type: 'bool', default: true },
    },
  },
  async run(args, ctx) {
    // Always read now: what a database holds is what the play asks about, not something to cache.
    const [out] = await ctx.facts.gather([getent.with(args.database, args.key ?? '', args.service ?? '')], { refresh: true });
    const tree = `getent_${args.database}`;
    if (out.rc === 0) {
      const split = args.split ?? (COLON_DATABASES.includes(args.database) ? ':' : null);
      return { changed: false, ansible_facts: { [tree]: getentRecords(out.lines, split) } };
    }
    if (out.rc === 2) {
      const msg = 'One or more supplied key could not be found in the database.';
      if (!args.fail_key) return { changed: false, msg, ansible_facts: { [tree]: { [args.key ?? '']: null } } };
      return { changed: false, failed: true, msg };
    }
    return { changed: false, failed: true, msg: out.rc === 1 ? 'Missing arguments, or database unknown.' : out.rc === 3 ? 'Enumeration not supported on this database.' : 'Unexpected failure!' };
  },
});
