/**
 * ansible.posix.sysctl's decisions as a pure function: the sysctl file's new lines (every `k = v`
 * line normalised to `k=v`, the first of a repeated key kept, the parameter set, added or dropped)
 * and whether the file, the running value, or a reload must change.
 */

export interface SysctlRequest {
  name: string;
  /** Already normalised: booleans as 1 or 0, trimmed. */
  value: string;
  state: 'present' | 'absent';
  reload: boolean;
  sysctlSet: boolean;
}

export interface SysctlPlan {
  changed: boolean;
  /** The file's new text, when it must be written. */
  write: string | undefined;
  /** `sysctl -w name=value` is needed. */
  setRunning: boolean;
  /** `sysctl -p FILE` is needed. */
  reload: boolean;
}

/** sysctl's value as Ansible normalises it: booleans to 1 or 0, text trimmed. */
export function sysctlValue(value: string | null): string {
  if (value === null) return '';
  const lower = value.toLowerCase();
  if (['yes', 'on', '1', 'true', 'y', 't'].includes(lower)) return '1';
  if (['no', 'off', '0', 'false', 'n', 'f'].includes(lower)) return '0';
  return value.trim();
}

/** Values compare word by word (whitespace between them does not matter). */
function sameValue(a: string | null, b: string): boolean {
  if (a === null) return false;
  const x = a.split(/\s+/).filter(Boolean);
  const y = b.split(/\s+/).filter(Boolean);
  return x.length === y.length && x.every((w, i) => w === y[i]);
}

const isSetting = (line: string): boolean => line !== '' && !line.startsWith('#') && !line.startsWith(';') && line.includes('=');

export function planSysctl(request: SysctlRequest, fileText: string | null, running: string | null): SysctlPlan {
  const lines = (fileText ?? '').split(/(?<=\n)/).filter((l) => l !== '').map((l) => l.trim());
  const values = new Map<string, string>();
  for (const line of lines.filter(isSetting)) {
    const eq = line.indexOf('=');
    values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const fixed: string[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    if (!isSetting(line)) {
      fixed.push(line);
      continue;
    }
    const eq = line.indexOf('=');
    const k = line.slice(0, eq).trim();
    if (seen.has(k)) continue;
    seen.add(k);
    if (k !== request.name) fixed.push(`${k}=${line.slice(eq + 1).trim()}`);
    else if (request.state === 'present') fixed.push(`${k}=${request.value}`);
  }
  if (!seen.has(request.name) && request.state === 'present') fixed.push(`${request.name}=${request.value}`);
  const inFile = values.get(request.name);
  let changed = false;
  let write = false;
  let setRunning = false;
  if (inFile === undefined) {
    if (request.state === 'present') changed = write = true;
  } else if (request.state === 'absent' && inFile !== '') {
    changed = write = true;
  } else if (inFile !== request.value) {
    // (absent, with an empty value in the file, lands here and below as in Ansible)
    changed = write = true;
  } else if (request.reload && !sameValue(running, request.value)) {
    changed = true;
  }
  if (request.sysctlSet && request.state === 'present') {
    if (running === null) changed = true;
    else if (!sameValue(running, request.value)) changed = setRunning = true;
  }
  return { changed, write: write ? fixed.map((l) => `${l}\n`).join('') : undefined, setRunning, reload: changed && request.reload };
}
