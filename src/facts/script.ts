/**
 * Fact gathering in one round trip: one POSIX shell script prints everything as JSON lines of
 * `key<TAB>value` that the controller parses (no Python needed on the host).
 */
export const FACTS_SCRIPT = String.raw`
p() { printf '%s\t%s\n' "$1" "$2"; }
p hostname "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
p fqdn "$(hostname -f 2>/dev/null || hostname)"
p kernel "$(uname -r)"
p architecture "$(uname -m)"
p system "$(uname -s)"
p vcpus "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
p memtotal_kb "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null)"
p user_id "$(id -un)"
p user_uid "$(id -u)"
p user_gid "$(id -g)"
p user_dir "$HOME"
p python_version "$(python3 -c 'import sys; print(".".join(map(str, sys.version_info[:3])))' 2>/dev/null)"
if [ -r /etc/os-release ]; then sed -n 's/^\([A-Z_]*\)=\(.*\)$/os_\1\t\2/p' /etc/os-release; fi
if [ -r /etc/debian_version ]; then p debian_version "$(cat /etc/debian_version)"; fi
p date_epoch "$(date +%s)"
if command -v ip >/dev/null 2>&1; then
  p ip_addr_json "$(ip -j addr 2>/dev/null | tr -d '\n')"
  p ip_route_json "$(ip -j route get 8.8.8.8 2>/dev/null | tr -d '\n')"
  p ip_default_json "$(ip -j route show default 2>/dev/null | tr -d '\n')"
fi
env | sed 's/^/env_/' | awk -F= '{k=$1; sub(/^[^=]*=/, ""); printf "%s\t%s\n", k, $0}'
df -P -k 2>/dev/null | awk 'NR>1 {printf "mount\t%s %s %s\n", $6, $2, $4}'
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,uuid,memory.total,memory.used --format=csv,noheader,nounits 2>/dev/null | sed 's/^/gpu\t/'
  nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv,noheader,nounits 2>/dev/null | sed 's/^/gpu_process\t/'
fi
`;
