/**
 * ansible.builtin.user's and group's decisions as pure functions of the arguments and the account
 * as read on the host (facts/account.ts): the useradd/usermod/userdel command (or none), with
 * Ansible's options, order and messages (shadow-utils, as on Linux).
 */
import type { AccountState, GroupEntry } from '../../facts/account.js';

export interface UserRequest {
  name: string;
  state: 'present' | 'absent';
  uid: number | null;
  nonUnique: boolean;
  group: string | null;
  /** The groups joined with commas, as Ansible keeps them ('' for an empty list), or null. */
  groups: string | null;
  append: boolean;
  comment: string | null;
  home: string | null;
  shell: string | null;
  password: string | null;
  updatePassword: 'always' | 'on_create';
  passwordLock: boolean | null;
  createHome: boolean;
  moveHome: boolean;
  skeleton: string | null;
  system: boolean;
  force: boolean;
  remove: boolean;
  /** Seconds since the epoch (negative: never expires). */
  expires: number | null;
  inactive: number | null;
  seuser: string | null;
  umask: string | null;
  uidMin: number | null;
  uidMax: number | null;
}

export type UserPlan = { error: string } | { command: string[] | null };

/** A group by gid (when the text is a number) or by name, as Ansible's group_exists looks. */
export function findGroup(groups: readonly GroupEntry[], group: string): GroupEntry | undefined {
  if (/^\s*[-+]?\d+\s*$/.test(group)) {
    const byGid = groups.find((g) => g.gid === Number(group));
    if (byGid) return byGid;
  }
  return groups.find((g) => g.name === group);
}

/** The UTC date (YYYY-MM-DD) of a time in seconds. */
function utcDate(seconds: number): string {
  return new Date(Math.floor(seconds) * 1000).toISOString().slice(0, 10);
}

/** The groups asked for (comma separated, trimmed, duplicates dropped), each checked to exist. */
function wantedGroups(request: UserRequest, groups: readonly GroupEntry[]): { error: string } | { names: string[]; given: string[] } {
  const given = [...new Set((request.groups ?? '').split(',').filter((g) => g !== '').map((g) => g.trim()))];
  const names: string[] = [];
  for (const g of given) {
    const found = findGroup(groups, g);
    if (!found) return { error: `Group ${g} does not exist` };
    if (!names.includes(found.name)) names.push(found.name);
  }
  return { names, given };
}

export function planUser(request: UserRequest, state: AccountState): UserPlan {
  const info = state.passwd;
  if (request.state === 'absent') {
    if (!info) return { command: null };
    return { command: ['userdel', ...(request.force ? ['-f'] : []), ...(request.remove ? ['-r'] : []), request.name] };
  }
  const password = request.password === null ? null : request.passwordLock ? `!${request.password}` : request.password;
  if (!info) {
    const cmd = ['useradd'];
    if (request.uid !== null) cmd.push('-u', String(request.uid), ...(request.nonUnique ? ['-o'] : []));
    if (request.seuser !== null) cmd.push('-Z', request.seuser);
    if (request.group !== null) {
      if (!findGroup(state.groups, request.group)) return { error: `Group ${request.group} does not exist` };
      cmd.push('-g', request.group);
    } else if (findGroup(state.groups, request.name)) {
      cmd.push('-N');
    }
    if (request.groups) {
      const wanted = wantedGroups(request, state.groups);
      if ('error' in wanted) return wanted;
      cmd.push('-G', wanted.given.join(','));
    }
    if (request.comment !== null) cmd.push('-c', request.comment);
    if (request.home !== null) cmd.push('-d', request.home);
    if (request.shell !== null) cmd.push('-s', request.shell);
    if (request.expires !== null) cmd.push('-e', request.expires < 0 ? '' : utcDate(request.expires));
    if (request.inactive !== null) cmd.push('-f', String(request.inactive));
    if (password !== null) cmd.push('-p', password);
    if (request.createHome) {
      cmd.push('-m');
      if (request.skeleton !== null) cmd.push('-k', request.skeleton);
      if (request.umask !== null) cmd.push('-K', `UMASK=${request.umask}`);
    } else {
      cmd.push('-M');
    }
    if (request.system) cmd.push('-r');
    if (request.uidMin !== null) cmd.push('-K', `UID_MIN=${request.uidMin}`);
    if (request.uidMax !== null) cmd.push('-K', `UID_MAX=${request.uidMax}`);
    cmd.push(request.name);
    return { command: cmd };
  }
  let cmd = ['usermod'];
  if (request.uid !== null && info.uid !== request.uid) cmd.push('-u', String(request.uid), ...(request.nonUnique ? ['-o'] : []));
  if (request.group !== null) {
    const g = findGroup(state.groups, request.group);
    if (!g) return { error: `Group ${request.group} does not exist` };
    if (info.gid !== g.gid) cmd.push('-g', String(g.gid));
  }
  if (request.groups !== null) {
    const current = state.groups.filter((g) => g.members.includes(request.name)).map((g) => g.name);
    let needed = false;
    let names: string[] = [];
    if (request.groups === '') {
      needed = current.length > 0 && !request.append;
    } else {
      const wanted = wantedGroups(request, state.groups);
      if ('error' in wanted) return wanted;
      names = wanted.names;
      const diff = [...current.filter((g) => !names.includes(g)), ...names.filter((g) => !current.includes(g))];
      if (diff.length > 0) {
        if (request.append) {
          if (names.some((g) => diff.includes(g))) {
            cmd.push('-a');
            needed = true;
          }
        } else {
          needed = true;
        }
      }
    }
    if (needed) cmd.push('-G', names.join(','));
  }
  if (request.comment !== null && info.comment !== request.comment) cmd.push('-c', request.comment);
  if (request.home !== null && info.home !== request.home) cmd.push('-d', request.home, ...(request.moveHome ? ['-m'] : []));
  if (request.shell !== null && info.shell !== request.shell) cmd.push('-s', request.shell);
  if (request.expires !== null) {
    // As Ansible reads it through libc's getspnam: an empty expiry field is -1; no shadow entry
    // at all (or none readable) is 0, so `expires: -1` runs usermod -e '', which writes the entry.
    const field = state.shadow?.[7] ?? '';
    const current = state.shadow === null ? 0 : field === '' ? -1 : Number(field);
    if (request.expires < 0) {
      if (current >= 0) cmd.push('-e', '');
    } else if (current < 0 || utcDate(current * 86400) !== utcDate(request.expires)) {
      cmd.push('-e', utcDate(request.expires));
    }
  }
  if (request.inactive !== null) cmd.push('-f', String(request.inactive));
  if (request.passwordLock === true && !info.password.startsWith('!')) cmd.push('-L');
  else if (request.passwordLock === false && info.password.startsWith('!')) cmd.push('-U');
  if (request.updatePassword === 'always' && request.password !== null && password !== null && info.password.replace(/^!+/, '') !== request.password.replace(/^!+/, '')) {
    cmd = cmd.filter((c) => c !== '-U' && c !== '-L');
    cmd.push('-p', password);
  }
  return { command: cmd.length > 1 ? [...cmd, request.name] : null };
}

/** Ansible's warning for a password that does not look like a crypt(3) hash. */
export function passwordLooksUnhashed(password: string): boolean {
  if (['*', '!', '*************'].includes(password)) return false;
  let invalid = /[:*!]/.test(password) || !password.includes('$');
  if (password.includes('$')) {
    const fields = password.split('$');
    const last = fields[fields.length - 1] ?? '';
    if (fields.length >= 3) {
      if (/[^a-zA-Z0-9./=]/.test(last)) invalid = true;
      const lengths: Record<string, number> = { '1': 22, '5': 43, '6': 86, y: 43 };
      const want = lengths[fields[1] ?? ''];
      if (want !== undefined && last.length !== want) invalid = true;
    } else {
      invalid = true;
    }
  }
  return invalid;
}

export interface GroupRequest {
  name: string;
  state: 'present' | 'absent';
  gid: number | null;
  system: boolean;
  nonUnique: boolean;
  force: boolean;
  gidMin?: number | null;
  gidMax?: number | null;
}

/** groupadd, groupmod or groupdel (or nothing), as Ansible's group module decides on Linux. */
export function planGroup(request: GroupRequest, groups: readonly GroupEntry[]): string[] | null {
  const current = groups.find((g) => g.name === request.name);
  if (request.state === 'absent') return current ? ['groupdel', ...(request.force ? ['-f'] : []), request.name] : null;
  if (!current) {
    const cmd = ['groupadd'];
    if (request.gid !== null) cmd.push('-g', String(request.gid), ...(request.nonUnique ? ['-o'] : []));
    if (request.system) cmd.push('-r');
    if (request.gidMin != null) cmd.push('-K', `GID_MIN=${request.gidMin}`);
    if (request.gidMax != null) cmd.push('-K', `GID_MAX=${request.gidMax}`);
    return [...cmd, request.name];
  }
  if (request.gid !== null && current.gid !== request.gid) return ['groupmod', '-g', String(request.gid), ...(request.nonUnique ? ['-o'] : []), request.name];
  return null;
}
