/**
 * The host's package manager, as Ansible's `pkg_mgr` fact names it: the last of Ansible's list
 * of manager binaries that exists (the list puts the preferred one last), with Ansible's
 * corrections (dnf's flavour on Red Hat hosts, apt on Debian, apt_rpm where apt-get is an RPM's).
 */
import { PRINT_PAIR, factLines } from './lines.js';
import { defineFact } from './fact.js';

/** Ansible's PKG_MGRS, in its order: the path whose existence names the manager. */
export const PKG_MGRS: readonly { path: string; name: string }[] = [
  { path: '/usr/bin/rpm-ostree', name: 'atomic_container' },
  { path: '/usr/bin/yum', name: 'dnf' },
  { path: '/usr/bin/dnf-3', name: 'dnf' },
  { path: '/usr/bin/dnf5', name: 'dnf5' },
  { path: '/usr/bin/apt-get', name: 'apt' },
  { path: '/usr/bin/zypper', name: 'zypper' },
  { path: '/usr/sbin/urpmi', name: 'urpmi' },
  { path: '/usr/bin/pacman', name: 'pacman' },
  { path: '/bin/opkg', name: 'opkg' },
  { path: '/usr/pkg/bin/pkgin', name: 'pkgin' },
  { path: '/opt/local/bin/pkgin', name: 'pkgin' },
  { path: '/opt/tools/bin/pkgin', name: 'pkgin' },
  { path: '/opt/local/bin/port', name: 'macports' },
  { path: '/usr/local/bin/brew', name: 'homebrew' },
  { path: '/opt/homebrew/bin/brew', name: 'homebrew' },
  { path: '/sbin/apk', name: 'apk' },
  { path: '/usr/sbin/pkg', name: 'pkgng' },
  { path: '/usr/sbin/swlist', name: 'swdepot' },
  { path: '/usr/bin/emerge', name: 'portage' },
  { path: '/usr/sbin/pkgadd', name: 'svr4pkg' },
  { path: '/usr/bin/pkg', name: 'pkg5' },
  { path: '/usr/bin/xbps-install', name: 'xbps' },
  { path: '/usr/local/sbin/pkg', name: 'pkgng' },
  { path: '/usr/bin/swupd', name: 'swupd' },
  { path: '/usr/sbin/sorcery', name: 'sorcery' },
  { path: '/usr/bin/installp', name: 'installp' },
];

/** os-release IDs (ID or ID_LIKE) of the families Ansible corrects for: its os_family RedHat and Debian, and Altlinux. */
const RED_HAT = new Set(['rhel', 'fedora', 'centos', 'amzn', 'ol', 'rocky', 'almalinux', 'openeuler', 'euleros']);
const DEBIAN = new Set(['debian', 'ubuntu', 'linuxmint', 'raspbian', 'pop', 'kali', 'devuan', 'elementary', 'neon', 'zorin']);

export interface PkgMgrProbe {
  system: string;
  /** os-release ID and ID_LIKE, lower case. */
  osIds: string[];
  existing: Set<string>;
  /** Where /usr/bin/dnf (or microdnf) resolves, for dnf5. */
  dnfTarget: string;
  ostree: boolean;
  /** `rpm -q --whatprovides /usr/bin/apt-get` succeeded. */
  aptIsRpm: boolean;
}

/** Ansible's choice from what exists on the host. */
export function choosePkgMgr(probe: PkgMgrProbe): string {
  if (probe.system === 'OpenBSD') return 'openbsd_pkg';
  let name = 'unknown';
  for (const m of PKG_MGRS) if (probe.existing.has(m.path)) name = m.name;
  const redHat = probe.osIds.some((id) => RED_HAT.has(id));
  const debian = probe.osIds.some((id) => DEBIAN.has(id));
  if (redHat) {
    if (probe.ostree) return 'atomic_container';
    if (probe.dnfTarget) return probe.dnfTarget.endsWith('/dnf5') ? 'dnf5' : 'dnf';
    return 'unknown';
  }
  if (debian && name !== 'apt') name = 'apt';
  if (name === 'apt' && (probe.aptIsRpm || probe.osIds.includes('altlinux'))) name = 'apt_rpm';
  return name;
}

export const pkgMgr = defineFact({
  name: 'pkg_mgr',
  command: `${PRINT_PAIR}
p system "$(uname -s)"
if [ -r /etc/os-release ]; then p os "$(. /etc/os-release; echo "$ID $ID_LIKE")"; fi
for f in ${PKG_MGRS.map((m) => m.path).join(' ')}; do [ -e "$f" ] && p exists "$f"; done
for f in /usr/bin/dnf /usr/bin/microdnf; do [ -e "$f" ] && { p dnf "$(readlink -f "$f")"; break; }; done
[ -e /run/ostree-booted ] && p ostree yes
[ -x /usr/bin/rpm ] && /usr/bin/rpm -q --whatprovides /usr/bin/apt-get >/dev/null 2>&1 && p apt_rpm yes
exit 0`,
  parse(stdout: string): { pkg_mgr: string } {
    const lines = factLines(stdout);
    return {
      pkg_mgr: choosePkgMgr({
        system: lines.get('system'),
        osIds: lines.get('os').toLowerCase().split(/\s+/).filter(Boolean),
        existing: new Set(lines.all('exists')),
        dnfTarget: lines.get('dnf'),
        ostree: lines.get('ostree') === 'yes',
        aptIsRpm: lines.get('apt_rpm') === 'yes',
      }),
    };
  },
});
