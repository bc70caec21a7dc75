/**
 * ansible.builtin.hostname on Linux: the names read in one round trip (hostname_state fact), the
 * strategy chosen as Ansible chooses it (systemd where systemd runs, else the distribution's: the
 * /etc/hostname file on Debian and its kin, alpine), the changes run in one more that also reads
 * the fully qualified name back. Returns Ansible's facts (ansible_hostname, ansible_nodename,
 * ansible_fqdn, ansible_domain) and its diff.
 */
import { hostnameState, type HostnameState } from '../facts/hostname.js';
import { defineModule } from './define.js';
import { runScript } from './support/shell.js';
import type { ModuleResult } from './types.js';

const STRATEGIES = ['alpine', 'debian', 'freebsd', 'generic', 'macos', 'macosx', 'darwin', 'openbsd', 'openrc', 'redhat', 'sles', 'solaris', 'systemd'] as const;

type Strategy = 'systemd' | 'file' | 'alpine';

/** Ansible's strategy for `use` (debian means systemd there too), or for the host when not given. */
function strategyFor(use: (typeof STRATEGIES)[number] | null, state: HostnameState): Strategy | { error: string } {
  if (use === 'systemd' || use === 'debian') return 'systemd';
  if (use === 'alpine') return 'alpine';
  if (use !== null) return { error: `hostname: use=${use} is not supported here (supported: systemd, debian, alpine)` };
  if (state.systemd) return 'systemd';
  const ids = state.distribution.split(/\s+/);
  if (ids.includes('alpine')) return 'alpine';
  if (ids.some((id) => ['debian', 'ubuntu', 'linuxmint', 'kali', 'devuan', 'parrot'].includes(id))) return 'file';
  return { error: `hostname module cannot be used on platform Linux (${state.distribution || 'unknown'})` };
}

/** The steps, in Ansible's order: systemd sets the static name before the transient one; the others the current name first. */
export function planHostname(name: string, strategy: Strategy, state: HostnameState): { current: string; permanent: string; steps: string[] } | { error: string } {
  if (strategy === 'systemd') {
    for (const s of [state.transient, state.static]) {
      if (s === null) return { error: 'Failed to find required executable "hostnamectl" in paths' };
      if (s.rc !== 0) return { error: `Command failed rc=${s.rc}, out=, err=${s.out}` };
    }
    const current = state.transient?.out ?? '';
    const permanent = state.static?.out ?? '';
    return { current, permanent, steps: [...(permanent !== name ? ['static'] : []), ...(current !== name ? ['transient'] : [])] };
  }
  // The file strategies read the current name from the file too (as Ansible does).
  const steps = state.file !== name ? (strategy === 'alpine' ? ['hostname-F', 'file'] : ['file']) : [];
  return { current: state.file, permanent: state.file, steps };
}

const APPLY = `run() { out=$("$@" 2>&1); rc=$?; if [ "$rc" -ne 0 ]; then printf '@@playbook:failed=%s\\n%s' "$rc" "$out"; exit 0; fi; }
for step in $PB_STEPS; do
  case $step in
    static) run hostnamectl --pretty --static set-hostname "$PB_NAME" ;;
    transient) run hostnamectl --transient set-hostname "$PB_NAME" ;;
    hostname-F) run hostname -F /etc/hostname ;;
    file) printf '%s\\n' "$PB_NAME" > /etc/hostname || { printf '@@playbook:failed=1\\nfailed to update hostname'; exit 0; } ;;
  esac
done
printf '@@playbook:fqdn=%s\\n' "$(timeout 3 hostname -f 2>/dev/null || hostname)"`;

export default defineModule({
  name: 'hostname',
  supportsCheckMode: true,
  spec: {
    options: {
      name: { type: 'str', required: true },
      use: { type: 'str', choices: STRATEGIES },
    },
  },
  async run(args, ctx) {
    const name = args.name;
    const state = await ctx.facts.get(hostnameState);
    const strategy = strategyFor(args.use, state);
    if (typeof strategy !== 'string') return { changed: false, failed: true, msg: strategy.error };
    const plan = planHostname(name, strategy, state);
    if ('error' in plan) return { changed: false, failed: true, msg: plan.error };
    let fqdn = state.fqdn;
    if (plan.steps.length > 0 && !ctx.checkMode) {
      if (strategy === 'systemd' && name.length > 64) return { changed: false, failed: true, msg: 'name cannot be longer than 64 characters on systemd servers, try a shorter name' };
      const out = await runScript(ctx, APPLY, [], { PB_NAME: name, PB_STEPS: plan.steps.join(' ') });
      const failed = /^@@playbook:failed=(\d+)\n([\s\S]*)$/m.exec(out.stdout);
      if (out.rc !== 0 || failed) {
        // $(...) dropped the output's last newline: Ansible's err keeps it.
        const err = failed ? (failed[2] ? `${failed[2]}\n` : '') : out.stderr;
        const msg = failed && failed[2]?.startsWith('failed to update hostname') ? err : `Command failed rc=${failed?.[1] ?? out.rc}, out=, err=${err}`;
        // Docker bind-mounts /etc/hostname: systemd-hostnamed cannot replace it (rename gives EBUSY).
        const hint = state.hostnameMounted && /Device or resource busy/.test(err) ? ' (/etc/hostname is a mount point on this host, as in a container: it cannot be replaced; use: alpine writes it in place)' : '';
        return { changed: false, failed: true, msg: msg + hint };
      }
      fqdn = /^@@playbook:fqdn=(.*)$/m.exec(out.stdout)?.[1] ?? fqdn;
    }
    const changed = plan.steps.length > 0;
    const result: ModuleResult = {
      changed,
      name,
      ansible_facts: { ansible_hostname: name.split('.')[0] ?? name, ansible_nodename: name, ansible_fqdn: fqdn, ansible_domain: fqdn.split('.').slice(1).join('.') },
    };
    if (changed) result.diff = { before: `hostname = ${name !== plan.current ? plan.current : plan.permanent}\n`, after: `hostname = ${name}\n` };
    return result;
  },
});
