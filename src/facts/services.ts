/**
 * Every service on the host, as Ansible's service_facts lists them: init scripts from `service
 * --status-all` (source sysv) and, where systemd runs, its service units from list-units and
 * list-unit-files (source systemd), with the state of the unit files list-units leaves out read by
 * one `systemctl show` for all of them; in one command.
 */
import { defineFact } from './fact.js';

export interface ServiceEntry {
  name: string;
  state: string;
  status?: string;
  source: 'systemd' | 'sysv';
}

const SECTION = '@@playbook:section=';

/** States in list-units' columns that are the status, whatever else the line says. */
const BAD_STATES = ['not-found', 'masked', 'failed'];

function sections(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(SECTION)) out.set(line.slice(SECTION.length), (current = []));
    else current?.push(line);
  }
  return out;
}

/** service_facts' `services`, keyed as Ansible keys them (`ssh` for sysv, `ssh.service` for systemd). */
export function parseServices(stdout: string): Record<string, ServiceEntry> {
  const parts = sections(stdout);
  const services: Record<string, ServiceEntry> = {};
  for (const line of parts.get('sysv') ?? []) {
    const m = /^\s*\[ ([+-]) \]\s+(.+)$/.exec(line);
    if (m?.[2]) services[m[2]] = { name: m[2], state: m[1] === '+' ? 'running' : 'stopped', source: 'sysv' };
  }
  for (const line of (parts.get('units') ?? []).filter((l) => l.includes('.service'))) {
    const fields = line.trim().split(/\s+/);
    const name = fields[0] ?? '';
    const bad = BAD_STATES.find((b) => fields.slice(0, -1).includes(b));
    services[name] = { name, state: fields[3] === 'running' ? 'running' : 'stopped', status: bad ?? fields[2] ?? 'unknown', source: 'systemd' };
  }
  // `systemctl show` prints one stanza per unit asked, in order, blank lines between (an alias's
  // stanza is its unit's, so it is matched by position, not by Id).
  const asked = (parts.get('asked') ?? []).filter(Boolean);
  const stanzas = (parts.get('show') ?? []).join('\n').split(/\n\s*\n/);
  const active = new Map<string, string>();
  asked.forEach((name, i) => {
    const state = /^ActiveState=(.*)$/m.exec(stanzas[i] ?? '')?.[1];
    if (state) active.set(name, state);
  });
  for (const line of (parts.get('files') ?? []).filter((l) => l.includes('.service'))) {
    const [name = '', status = ''] = line.trim().split(/\s+/);
    const known = services[name];
    if (!known) services[name] = { name, state: active.get(name) || 'unknown', status, source: 'systemd' };
    else if (!BAD_STATES.includes(known.status ?? '')) known.status = status;
  }
  return services;
}

export const services = defineFact({
  name: 'services',
  command: `if command -v service >/dev/null 2>&1 && [ -d /etc/init.d ]; then
  echo '${SECTION}sysv'; service --status-all 2>/dev/null
fi
if [ -d /run/systemd/system ]; then
  echo '${SECTION}units'; systemctl list-units --no-pager --type service --all --plain --no-legend 2>/dev/null
  echo '${SECTION}files'; systemctl list-unit-files --no-pager --type service --all --no-legend 2>/dev/null
  units=$(systemctl list-unit-files --no-pager --type service --all --no-legend 2>/dev/null | awk '$1 !~ /@\\.service$/ {print $1}')
  echo '${SECTION}asked'; echo "$units"
  echo '${SECTION}show'
  [ -z "$units" ] || systemctl show --property=ActiveState $units 2>/dev/null
fi
exit 0`,
  parse: parseServices,
});
