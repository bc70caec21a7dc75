/**
 * The platform: host names, kernel, architecture, the distribution (os-release), and the Python
 * interpreter, whose socket.getfqdn() gives fqdn as Ansible reports it (hostname -f otherwise).
 */
import { defineFact } from './fact.js';
import { PRINT_PAIR, factLines } from './lines.js';

const OS_FAMILY: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Debian', linuxmint: 'Debian', raspbian: 'Debian',
  rhel: 'RedHat', centos: 'RedHat', fedora: 'RedHat', rocky: 'RedHat', almalinux: 'RedHat', ol: 'RedHat', amzn: 'RedHat',
  sles: 'Suse', opensuse: 'Suse', 'opensuse-leap': 'Suse', arch: 'Archlinux', alpine: 'Alpine',
};

function unquote(s: string): string {
  return s.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}

const PROC1_NAMES: Record<string, string> = { procd: 'openwrt_init', 'runit-init': 'runit', svscan: 'svc', 'openrc-init': 'openrc' };

/** Ansible's service_mgr on Linux: PID 1's name unless it is init or a shell, else what the host boots with. */
function serviceManager(get: (key: string) => string): string {
  const proc1 = get('proc1').trim().split('/').pop() ?? '';
  if (proc1 && proc1 !== 'init' && !proc1.endsWith('sh')) return PROC1_NAMES[proc1] ?? proc1;
  if (get('systemd_booted')) return 'systemd';
  if (get('openrc')) return 'openrc';
  if (get('sbin_init').split('/').pop() === 'systemd') return 'systemd';
  return get('initd') ? 'sysvinit' : 'service';
}

export const platform = defineFact({
  name: 'platform',
  command: String.raw`${PRINT_PAIR}
p hostname "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
p kernel "$(uname -r)"
p architecture "$(uname -m)"
p system "$(uname -s)"
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import socket, sys
v = sys.version_info
print("fqdn\t" + socket.getfqdn())
print("python_version\t%d.%d.%d" % (v[0], v[1], v[2]))
print("python_releaselevel\t%s" % v[3])
print("python_serial\t%d" % v[4])
print("python_executable\t" + sys.executable)
print("python_type\t" + sys.implementation.name)
try:
    import ssl
    print("python_sslcontext\t%d" % hasattr(ssl, "SSLContext"))
except Exception:
    print("python_sslcontext\t0")' 2>/dev/null
fi
p fqdn "$(hostname -f 2>/dev/null || hostname)"
p proc1 "$(cat /proc/1/comm 2>/dev/null)"
if command -v systemctl >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] || [ -d /dev/.run/systemd ] || [ -d /dev/.systemd ]; then
    p systemd_booted 1
    systemctl --version 2>/dev/null | sed -n '1s/^systemd \([0-9]*\).*/systemd_version\t\1/p; 2s/^/systemd_features\t/p'
  fi
  [ -L /sbin/init ] && p sbin_init "$(readlink /sbin/init)"
fi
[ -e /sbin/openrc ] && p openrc 1
[ -d /etc/init.d ] && p initd 1
if [ -r /etc/os-release ]; then sed -n 's/^\([A-Z_]*\)=\(.*\)$/os_\1\t\2/p' /etc/os-release; fi
if [ -r /etc/debian_version ]; then p debian_version "$(cat /etc/debian_version)"; fi
exit 0`,
  parse(stdout) {
    const get = factLines(stdout).get;
    const osId = unquote(get('os_ID')).toLowerCase();
    const distribution = osId === 'rhel' ? 'RedHat' : osId ? osId.charAt(0).toUpperCase() + osId.slice(1) : 'NA';
    const debianVersion = get('debian_version');
    const version = osId === 'debian' && /^\d/.test(debianVersion) ? debianVersion : unquote(get('os_VERSION_ID'));
    const facts: Record<string, unknown> = {
      hostname: get('hostname').split('.')[0],
      nodename: get('hostname'),
      fqdn: get('fqdn'),
      kernel: get('kernel'),
      architecture: get('architecture'),
      machine: get('architecture'),
      system: get('system'),
      distribution,
      distribution_version: version,
      distribution_major_version: version.split('.')[0] ?? '',
      distribution_release: unquote(get('os_VERSION_CODENAME')) || 'NA',
      os_family: OS_FAMILY[osId] ?? distribution,
    };
    facts['service_mgr'] = serviceManager(get);
    if (get('systemd_version')) facts['systemd'] = { features: get('systemd_features'), version: Number(get('systemd_version')) };
    const py = get('python_version').split('.').map(Number);
    if (py.length === 3 && !py.some(Number.isNaN)) {
      const releaselevel = get('python_releaselevel') || 'final';
      const serial = Number(get('python_serial')) || 0;
      facts['python'] = {
        executable: get('python_executable') || null,
        has_sslcontext: get('python_sslcontext') === '1',
        type: get('python_type') || null,
        version: { major: py[0], minor: py[1], micro: py[2], releaselevel, serial },
        version_info: [py[0], py[1], py[2], releaselevel, serial],
      };
      facts['python_version'] = get('python_version');
    }
    return facts;
  },
});
