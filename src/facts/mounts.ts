/**
 * Mounted filesystems (ansible_mounts): /proc/mounts with each mount point's `stat -f` sizes,
 * bind mounts marked as Ansible marks them, and UUIDs from lsblk.
 */
import { defineFact } from './fact.js';
import { factLines } from './lines.js';

/** /proc/mounts writes spaces, tabs and backslashes in fields as octal escapes (\040). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * One ansible_mounts entry from the script's `mount` line: device, mount point, fstype, options,
 * dump, passno (as /proc/mounts has them) and `stat -f` of the mount point (fundamental block
 * size, block size, blocks, blocks available, inodes, free inodes), as Ansible computes the
 * sizes from statvfs; a mount that could not be stat'ed has no size fields, as in Ansible.
 */
function parseMount(value: string, binds: Set<string>, uuids: Map<string, string>): Record<string, unknown> {
  const [dev = '', mnt = '', fstype = '', opts = '', dump = '0', passno = '0', sizes = ''] = value.split('\t');
  const device = unescapeOctal(dev);
  const mount: Record<string, unknown> = {
    mount: unescapeOctal(mnt),
    device,
    fstype,
    options: unescapeOctal(opts) + (binds.has(mnt) ? ',bind' : ''),
    dump: Number(dump) || 0,
    passno: Number(passno) || 0,
    uuid: uuids.get(device) ?? 'N/A',
  };
  const n = sizes.trim().split(/\s+/).map(Number);
  if (n.length === 6 && !n.some(Number.isNaN)) {
    const [frsize = 0, bsize = 0, blocks = 0, bavail = 0, files = 0, ffree = 0] = n;
    Object.assign(mount, {
      size_total: frsize * blocks,
      size_available: frsize * bavail,
      block_size: bsize,
      block_total: blocks,
      block_available: bavail,
      block_used: blocks - bavail,
      inode_total: files,
      inode_available: ffree,
      inode_used: files - ffree,
    });
  }
  return mount;
}

export const mounts = defineFact({
  name: 'mounts',
  command: `if [ -r /proc/mounts ]; then
  awk '$4 != "/" {printf "bind\\t%s\\n", $5}' /proc/self/mountinfo 2>/dev/null
  if command -v lsblk >/dev/null 2>&1; then lsblk --list --noheadings --paths --output NAME,UUID --exclude 2 2>/dev/null | awk 'NF == 2 {printf "uuid\\t%s %s\\n", $1, $2}'; fi
  while read -r dev mnt fstype opts dump passno; do
    case "$dev" in /*|*:/*) ;; *) continue ;; esac
    [ "$fstype" = none ] && continue
    printf 'mount\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$dev" "$mnt" "$fstype" "$opts" "$dump" "$passno" "$(stat -f -c '%S %s %b %a %c %d' -- "$(printf '%b' "$mnt")" 2>/dev/null)"
  done < /proc/mounts
fi
exit 0`,
  parse(stdout) {
    const lines = factLines(stdout);
    const binds = new Set(lines.all('bind'));
    const uuids = new Map(lines.all('uuid').map((v) => {
      const [name = '', uuid = ''] = v.split(' ');
      return [name, uuid] as const;
    }));
    return { mounts: lines.all('mount').map((l) => parseMount(l, binds, uuids)) };
  },
});
