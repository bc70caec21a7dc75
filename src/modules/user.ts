/**
 * ansible.builtin.user on Linux (shadow-utils): the account, its shadow entry, its SSH key and
 * every group read in one round trip (account fact); useradd, usermod or userdel planned in the
 * controller (planUser); the command, the missing home, the SSH key and chage run in one more,
 * which also reads the account back for the return values. An account already as asked costs the
 * one read.
 */
import { ACCOUNT_SCRIPT, account, parseAccount, type AccountState } from '../facts/account.js';
import { defineModule } from './define.js';
import { passwordLooksUnhashed, planUser, type UserRequest } from './support/accounts.js';
import { expandRemoteUser } from './support/paths.js';
import { runScript } from './support/shell.js';
import type { ModuleResult } from './types.js';

const DONE = '@@playbook:done\n';

/** Runs the command ($@), then what Ansible does after it, then reads the account (ACCOUNT_SCRIPT). */
const APPLY = `if [ -n "$PB_PARENT" ] && [ ! -d "$PB_PARENT" ]; then mkdir -p -- "$PB_PARENT" || exit 1; fi
if [ $# -gt 0 ]; then "$@" || exit $?; fi
if [ "$PB_STATE" = present ] && pw=$(getent passwd "$PB_NAME"); then
  u=$(printf '%s' "$pw" | cut -d: -f3); g=$(printf '%s' "$pw" | cut -d: -f4); h=$(printf '%s' "$pw" | cut -d: -f6)
  if [ -n "$PB_CREATE_HOME" ] && [ ! -e "$h" ]; then
    skel=\${PB_SKEL:-/etc/skel}
    mkdir -p -- "$(dirname -- "$h")" || exit 1
    if [ -e "$skel" ] && [ "$skel" != /dev/null ]; then cp -a -- "$skel" "$h" || exit 1; else mkdir -- "$h" || exit 1; fi
    mode=755
    if [ -r /etc/login.defs ]; then
      hm=$(sed -n 's/^HOME_MODE[[:space:]]\\{1,\\}\\([0-9]\\{1,\\}\\)$/\\1/p' /etc/login.defs | head -n 1)
      um=$(sed -n 's/^UMASK[[:space:]]\\{1,\\}\\([0-9]\\{1,\\}\\)$/\\1/p' /etc/login.defs | tail -n 1)
      if [ -n "$hm" ]; then mode=$hm; elif [ -n "$um" ]; then mode=$(printf '%o' $(( 0777 & ~0$um ))); fi
    fi
    chmod "$mode" "$h" && chown -R -P "$u:$g" "$h" || exit 1
    echo '@@playbook:home_created'
  fi
  if [ -n "$PB_SSH" ]; then
    case "$PB_KEY" in /*) k=$PB_KEY ;; *) k=$h/$PB_KEY ;; esac
    d=$(dirname -- "$k")
    if [ -e "$k" ] && [ -z "$PB_FORCE" ]; then printf '@@playbook:key_kept=%s\\n' "$k"
    elif [ -e "$k.pub" ] && [ -z "$PB_FORCE" ]; then printf '@@playbook:pub_kept=%s\\n' "$k.pub"
    else
      if [ ! -e "$d" ]; then mkdir -m 700 -- "$d" && chown "$u:$g" "$d" || { echo "Failed to create $d" >&2; exit 1; }; fi
      [ -e "$k" ] && printf '@@playbook:key_overwritten=%s\\n' "$k"
      [ -e "$k.pub" ] && { printf '@@playbook:pub_overwritten=%s\\n' "$k.pub"; rm -f -- "$k.pub"; }
      if [ "$PB_SSH_BITS" -gt 0 ]; then set -- -b "$PB_SSH_BITS"; else set --; fi
      printf 'y\\n' | ssh-keygen -q -t "$PB_SSH_TYPE" "$@" -C "$PB_SSH_COMMENT" -f "$k" -N "$PB_SSH_PASSPHRASE" >/dev/null || exit $?
      chown "$u:$g" "$k" "$k.pub" || exit 1
      echo '@@playbook:key_generated'
    fi
  fi
  if [ -n "$PB_CHAGE" ]; then chage $PB_CHAGE "$PB_NAME" || exit $?; echo '@@playbook:chaged'; fi
fi
printf '${DONE}'
set -- "$PB_NAME" "$PB_KEY"
${ACCOUNT_SCRIPT}`;

/** chage's options for the expiry settings that differ from the shadow entry (all of them for a new account). */
function chageOptions(state: AccountState, min: number | null, max: number | null, warn: number | null): string[] {
  const shadow = state.passwd ? state.shadow : null;
  const differs = (value: number | null, field: number): boolean => value !== null && (shadow === null || Number(shadow[field] === '' ? -1 : shadow[field]) !== value);
  return [...(differs(min, 3) ? ['-m', String(min)] : []), ...(differs(max, 4) ? ['-M', String(max)] : []), ...(differs(warn, 5) ? ['-W', String(warn)] : [])];
}

export default defineModule({
  name: 'user',
  supportsCheckMode: true,
  spec: {
    options: {
      state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
      name: { type: 'str', required: true, aliases: ['user'] },
      uid: { type: 'int' },
      non_unique: { type: 'bool', default: false },
      group: { type: 'str' },
      groups: { type: 'list', elements: 'str' },
      comment: { type: 'str' },
      home: { type: 'path' },
      shell: { type: 'path' },
      password: { type: 'str', noLog: true },
      login_class: { type: 'str' },
      password_expire_max: { type: 'int' },
      password_expire_min: { type: 'int' },
      password_expire_warn: { type: 'int' },
      hidden: { type: 'bool' },
      seuser: { type: 'str' },
      force: { type: 'bool', default: false },
      remove: { type: 'bool', default: false },
      create_home: { type: 'bool', default: true, aliases: ['createhome'] },
      skeleton: { type: 'str' },
      system: { type: 'bool', default: false },
      move_home: { type: 'bool', default: false },
      append: { type: 'bool', default: false },
      generate_ssh_key: { type: 'bool' },
      ssh_key_bits: { type: 'int', default: 0 },
      ssh_key_type: { type: 'str', default: 'rsa' },
      ssh_key_file: { type: 'path' },
      ssh_key_comment: { type: 'str' },
      ssh_key_passphrase: { type: 'str', noLog: true },
      update_password: { type: 'str', default: 'always', choices: ['always', 'on_create'] },
      expires: { type: 'float' },
      password_lock: { type: 'bool' },
      local: { type: 'bool' },
      profile: { type: 'str' },
      authorization: { type: 'str' },
      role: { type: 'str' },
      umask: { type: 'str' },
      password_expire_account_disable: { type: 'int' },
      uid_min: { type: 'int' },
      uid_max: { type: 'int' },
    },
  },
  async run(args, ctx) {
    if (args.local) {
      for (const k of ['umask', 'uid_min', 'uid_max'] as const) if (args[k] !== null) return { changed: false, failed: true, msg: `'${k}' can not be used with 'local'` };
    }
    const warnings: string[] = [];
    if (args.groups === null && args.append) warnings.push("'append' is set, but no 'groups' are specified. Use 'groups' for appending new groups.This will change to an error in Ansible 2.14.");
    if (args.password && passwordLooksUnhashed(args.password)) warnings.push("The input password appears not to have been hashed. The 'password' argument must be encrypted for this module to work properly.");
    const keyFile = args.ssh_key_file ?? `.ssh/id_${args.ssh_key_type}`;
    const before = await ctx.facts.get(account, args.name, keyFile);
    const request: UserRequest = {
      name: args.name,
      state: args.state,
      uid: args.uid,
      nonUnique: args.non_unique,
      group: args.group,
      groups: args.groups === null ? null : args.groups.join(','),
      append: args.append,
      comment: args.comment,
      // type='path': the module expands ~ on the host, in the home of the user it runs as.
      home: args.home === null ? null : await expandRemoteUser(ctx, args.home),
      shell: args.shell === null ? null : await expandRemoteUser(ctx, args.shell),
      password: args.password,
      updatePassword: args.update_password,
      passwordLock: args.password_lock,
      createHome: args.create_home,
      moveHome: args.move_home,
      skeleton: args.skeleton,
      system: args.system,
      force: args.force,
      remove: args.remove,
      expires: args.expires,
      inactive: args.password_expire_account_disable,
      seuser: args.seuser,
      umask: args.umask,
      uidMin: args.uid_min,
      uidMax: args.uid_max,
    };
    const plan = planUser(request, before);
    if ('error' in plan) return { changed: false, failed: true, msg: plan.error };
    const command = plan.command;
    if (command && args.local) {
      const tool = command[0] === 'useradd' ? 'luseradd' : command[0] === 'usermod' ? 'lusermod' : 'luserdel';
      return { changed: false, failed: true, msg: `Failed to find required executable "${tool}": local accounts (libuser) are not supported here` };
    }
    const exists = before.passwd !== null;
    const withWarnings = (r: ModuleResult): ModuleResult => (warnings.length ? { ...r, warnings } : r);
    if (args.state === 'absent') {
      if (!exists) return withWarnings({ changed: false, name: args.name, state: 'absent' });
      if (ctx.checkMode) return withWarnings({ changed: true });
    } else if (!exists && ctx.checkMode) {
      return withWarnings({ changed: true });
    }

    // What has to happen after the command, as far as the account as read says.
    const homeMissing = args.create_home && !(exists && before.homeExists && (args.home === null || args.home === before.passwd?.home));
    const sshWanted = args.generate_ssh_key === true;
    const keyMissing = sshWanted && (args.force || !(before.sshKey?.exists || before.sshKey?.publicKeyExists));
    const chage = args.state === 'present' ? chageOptions(before, args.password_expire_min, args.password_expire_max, args.password_expire_warn) : [];
    const moving = exists && command !== null && command.includes('-m') && args.move_home;
    const needsWork = command !== null || (args.state === 'present' && (homeMissing || keyMissing || chage.length > 0));

    let after = before;
    let ran: { rc: number; stdout: string; stderr: string } | null = null;
    let homeCreated = false;
    let keyGenerated = false;
    const marks: string[] = [];
    if (needsWork && !ctx.checkMode) {
      const parent = args.state === 'present' && !exists && args.home !== null && args.create_home ? args.home.replace(/\/+[^/]*\/*$/, '') || '/' : '';
      const env: Record<string, string> = {
        PB_NAME: args.name,
        PB_STATE: args.state,
        PB_KEY: keyFile,
        PB_PARENT: parent,
        PB_CREATE_HOME: args.create_home && !moving ? '1' : '',
        PB_SKEL: args.skeleton ?? '',
        PB_SSH: sshWanted ? '1' : '',
        PB_FORCE: args.force ? '1' : '',
        PB_SSH_TYPE: args.ssh_key_type,
        PB_SSH_BITS: String(args.ssh_key_bits),
        PB_SSH_COMMENT: args.ssh_key_comment ?? `ansible-generated on ${before.hostname}`,
        // (Ansible types the passphrase at ssh-keygen's prompt; here it is ssh-keygen's -N argument.)
        PB_SSH_PASSPHRASE: args.ssh_key_passphrase ?? '',
        PB_CHAGE: chage.join(' '),
      };
      const out = await runScript(ctx, APPLY, command ?? [], env);
      const at = out.stdout.indexOf(DONE);
      if (out.rc !== 0 || at < 0) return { changed: false, failed: true, name: args.name, msg: out.stderr.trim() === '' ? out.stdout : out.stderr, rc: out.rc };
      marks.push(...out.stdout.slice(0, at).split('\n'));
      after = parseAccount(out.stdout.slice(at + DONE.length));
      homeCreated = marks.includes('@@playbook:home_created');
      keyGenerated = marks.includes('@@playbook:key_generated');
      ran = command ? { rc: 0, stdout: '', stderr: out.stderr } : null;
    }
    for (const m of marks) {
      const [, kind, file] = /^@@playbook:(key_kept|pub_kept|key_overwritten|pub_overwritten)=(.*)$/.exec(m) ?? [];
      if (kind === 'key_kept') warnings.push(`Found existing ssh key private file "${file}", no force, so skipping ssh-keygen generation`);
      if (kind === 'pub_kept') warnings.push(`Found existing ssh key public file "${file}", no force, so skipping ssh-keygen generation`);
      if (kind === 'key_overwritten') warnings.push(`Overwriting existing ssh key private file "${file}"`);
      if (kind === 'pub_overwritten') warnings.push(`Overwriting existing ssh key public file "${file}"`);
    }
    if ((ctx.checkMode || !needsWork) && sshWanted && !args.force && before.sshKey) {
      if (before.sshKey.exists) warnings.push(`Found existing ssh key private file "${before.sshKey.path}", no force, so skipping ssh-keygen generation`);
      else if (before.sshKey.publicKeyExists) warnings.push(`Found existing ssh key public file "${before.sshKey.path}.pub", no force, so skipping ssh-keygen generation`);
    }

    const result: ModuleResult = { changed: command !== null, name: args.name, state: args.state };
    if (args.state === 'absent') {
      Object.assign(result, { force: args.force, remove: args.remove });
    } else {
      if (!exists) Object.assign(result, { system: args.system, create_home: args.create_home });
      else Object.assign(result, { append: args.append, move_home: args.move_home });
      if (args.password !== null) result['password'] = 'NOT_LOGGING_PASSWORD';
    }
    if (ran?.stdout) result['stdout'] = ran.stdout;
    if (ran?.stderr) result['stderr'] = ran.stderr;
    const info = after.passwd;
    if (args.state === 'present' && info) {
      Object.assign(result, { uid: info.uid, group: info.gid, comment: info.comment, home: info.home, shell: info.shell });
      if (request.groups !== null) result['groups'] = request.groups;
      if (homeCreated || (ctx.checkMode && homeMissing && (args.home ?? info.home) !== '' && !before.homeExists)) result.changed = true;
      if (sshWanted) {
        if (keyGenerated || (ctx.checkMode && keyMissing)) result.changed = true;
        const key = after.sshKey;
        result['ssh_fingerprint'] = key?.exists ? (key.fingerprint ?? '') : '';
        result['ssh_key_file'] = key?.path ?? keyFile;
        result['ssh_public_key'] = key?.publicKeyExists ? key.publicKey : null;
      }
      if (chage.length > 0) result.changed = true;
    }
    return withWarnings(result);
  },
});
