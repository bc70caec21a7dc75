/**
 * Fact gathering in one round trip: one POSIX shell script prints everything as lines of
 * `key<TAB>value` that the controller parses (Python, when the host has it, only adds the
 * interpreter's own facts and socket.getfqdn(), as Ansible reports them).
 */
export const FACTS_SCRIPT = String.raw`
p() { printf '%s\t%s\n' "$1" "$2"; }
p hostname "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
p kernel "$(uname -r)"
p architecture "$(uname -m)"
p system "$(uname -s)"
p vcpus "$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)"
p nproc "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
p memtotal_kb "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null)"
p user_id "$(id -un)"
p user_uid "$(id -u)"
p user_gid "$(id -g)"
p user_dir "$HOME"
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
if [ -r /etc/os-release ]; then sed -n 's/^\([A-Z_]*\)=\(.*\)$/os_\1\t\2/p' /etc/os-release; fi
if [ -r /etc/debian_version ]; then p debian_version "$(cat /etc/debian_version)"; fi
p date_epoch "$(date +%s)"
if command -v ip >/dev/null 2>&1; then
  p ip_addr_json "$(ip -d -j addr 2>/dev/null | tr -d '\n')"
  p ip_route_json "$(ip -j route get 8.8.8.8 2>/dev/null | tr -d '\n')"
  p ip_default_json "$(ip -j route show default 2>/dev/null | tr -d '\n')"
fi
env | sed 's/^/env_/' | awk -F= '{k=$1; sub(/^[^=]*=/, ""); printf "%s\t%s\n", k, $0}'
if [ -r /proc/mounts ]; then
  awk '$4 != "/" {printf "bind\t%s\n", $5}' /proc/self/mountinfo 2>/dev/null
  if command -v lsblk >/dev/null 2>&1; then lsblk --list --noheadings --paths --output NAME,UUID --exclude 2 2>/dev/null | awk 'NF == 2 {printf "uuid\t%s %s\n", $1, $2}'; fi
  while read -r dev mnt fstype opts dump passno; do
    case "$dev" in /*|*:/*) ;; *) continue ;; esac
    [ "$fstype" = none ] && continue
    printf 'mount\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$dev" "$mnt" "$fstype" "$opts" "$dump" "$passno" "$(stat -f -c '%S %s %b %a %c %d' -- "$(printf '%b' "$mnt")" 2>/dev/null)"
  done < /proc/mounts
fi
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,uuid,memory.total,memory.used --format=csv,noheader,nounits 2>/dev/null | sed 's/^/gpu\t/'
  nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv,noheader,nounits 2>/dev/null | sed 's/^/gpu_process\t/'
fi
`;
