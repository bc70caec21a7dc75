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
  const active = new Map<string, string>();
  let id: string | undefined;
  for (const line of parts.get('show') ?? []) {
    if (line.startsWith('Id=')) id = line.slice(3);
    else if (line.startsWith('ActiveState=') && id) active.set(id, line.slice('ActiveState='.length));
  }
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
  echo '${SECTION}show'
  units=$(systemctl list-unit-files --no-pager --type service --all --no-legend 2>/dev/null | awk '$1 !~ /@\\.service$/ {print $1}')
  [ -z "$units" ] || systemctl show --property=Id,ActiveState $units 2>/dev/null
fi
exit 0`,
  parse: parseServices,
});
