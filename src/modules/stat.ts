/**
 * ansible.builtin.stat: facts about a path. The connection's stat gives the inode data; one
 * script on the host adds what only the host can say (access for the remote user, the resolved
 * link, blocks and device type, checksum, mime type, chattr flags).
 */
import { defineModule } from './define.js';
import type { FileStat } from '../connection/types.js';
import { runScript } from './support/shell.js';

// Prints key=value records separated by NUL. $1 path, $2 follow, $3 checksum program, $4 mime, $5 attributes.
const DETAILS_SCRIPT = `
p=$1
out() { printf '%s=%s\\0' "$1" "$2"; }
a=; [ -r "$p" ] && a=r; [ -w "$p" ] && a="\${a}w"; [ -x "$p" ] && a="\${a}x"; out access "$a"
[ -L "$p" ] && out real "$(realpath -- "$p")"
if [ "$2" = 1 ]; then out blocks "$(stat -L -c '%b %o %t %T' -- "$p")"; else out blocks "$(stat -c '%b %o %t %T' -- "$p")"; fi
if [ -n "$3" ] && [ -r "$p" ]; then out checksum "$("$3" -- "$p" | cut -d' ' -f1)"; fi
if [ "$4" = 1 ] && command -v file >/dev/null 2>&1; then out mime "$(file --mime-type --mime-encoding -- "$p" 2>/dev/null)"; fi
if [ "$5" = 1 ] && command -v lsattr >/dev/null 2>&1; then r=$(lsattr -vd -- "$p" 2>/dev/null) && out attr "$r"; fi
`;

// module_utils.common.file.FILE_ATTRIBUTES: lsattr flag letters and their names.
const FILE_ATTRIBUTES: Record<string, string> = {
  A: 'noatime', a: 'append', c: 'compressed', C: 'nocow', d: 'nodump', D: 'dirsync', e: 'extents', E: 'encrypted',
  h: 'blocksize', i: 'immutable', I: 'indexed', j: 'journalled', N: 'inline', s: 'zero', S: 'synchronous',
  t: 'notail', T: 'blockroot', u: 'undelete', X: 'compressedraw', Z: 'compresseddirty',
};

/** glibc's makedev(major, minor). */
function makedev(major: number, minor: number): number {
  return (minor & 0xff) + (major & 0xfff) * 0x100 + (minor & ~0xff) * 0x1000 + Math.floor(major / 0x1000) * 0x1000 * 0x100000000;
}

/** The fields Ansible's stat (and find, per file) reports for a path. */
export function formatOutput(path: string, st: FileStat): Record<string, unknown> {
  const m = st.mode;
  return {
    exists: true,
    path,
    mode: m.toString(8).padStart(4, '0'),
    isdir: st.type === 'directory',
    ischr: st.type === 'char',
    isblk: st.type === 'block',
    isreg: st.type === 'file',
    isfifo: st.type === 'fifo',
    islnk: st.type === 'link',
    issock: st.type === 'socket',
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    inode: st.inode,
    dev: st.dev,
    nlink: st.nlink,
    atime: st.atime,
    mtime: st.mtime,
    ctime: st.ctime,
    wusr: (m & 0o200) !== 0,
    rusr: (m & 0o400) !== 0,
    xusr: (m & 0o100) !== 0,
    wgrp: (m & 0o020) !== 0,
    rgrp: (m & 0o040) !== 0,
    xgrp: (m & 0o010) !== 0,
    woth: (m & 0o002) !== 0,
    roth: (m & 0o004) !== 0,
    xoth: (m & 0o001) !== 0,
    isuid: (m & 0o4000) !== 0,
    isgid: (m & 0o2000) !== 0,
  };
}

export default defineModule({
  name: 'stat',
  supportsCheckMode: true,
  spec: {
    options: {
      path: { type: 'path', required: true, aliases: ['dest', 'name'] },
      follow: { type: 'bool', default: false },
      get_checksum: { type: 'bool', default: true },
      get_mime: { type: 'bool', default: true, aliases: ['mime', 'mime_type', 'mime-type'] },
      get_attributes: { type: 'bool', default: true, aliases: ['attr', 'attributes'] },
      checksum_algorithm: {
        type: 'str',
        default: 'sha1',
        choices: ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'],
        aliases: ['checksum', 'checksum_algo'],
      },
    },
  },
  async run(args, ctx) {
    const st = await ctx.conn.stat(args.path, { become: ctx.become, follow: args.follow });
    if (!st) return { changed: false, stat: { exists: false } };
    const output = formatOutput(args.path, st);
    const checksumProgram = args.get_checksum && st.type === 'file' ? `${args.checksum_algorithm}sum` : '';
    const details = await runScript(ctx, DETAILS_SCRIPT, [args.path, args.follow ? '1' : '0', checksumProgram, args.get_mime ? '1' : '0', args.get_attributes ? '1' : '0']);
    const facts = new Map<string, string>();
    for (const record of details.stdout.split('\0')) {
      const eq = record.indexOf('=');
      if (eq > 0) facts.set(record.slice(0, eq), record.slice(eq + 1));
    }
    const access = facts.get('access') ?? '';
    output['readable'] = access.includes('r');
    output['writeable'] = access.includes('w');
    output['executable'] = access.includes('x');
    const [blocks, blockSize, major, minor] = (facts.get('blocks') ?? '').split(' ');
    if (blocks !== undefined && blockSize !== undefined && major !== undefined && minor !== undefined) {
      output['blocks'] = Number(blocks);
      output['block_size'] = Number(blockSize);
      output['device_type'] = makedev(parseInt(major, 16), parseInt(minor, 16));
    }
    if (st.type === 'link') {
      output['lnk_source'] = facts.get('real') ?? args.path;
      output['lnk_target'] = st.linkTarget ?? '';
    }
    // Names only when the host knows them (the connection gives the number otherwise).
    if (st.owner !== String(st.uid) || /^\d+$/.test(st.owner) === false) output['pw_name'] = st.owner;
    if (st.group !== String(st.gid) || /^\d+$/.test(st.group) === false) output['gr_name'] = st.group;
    const checksum = facts.get('checksum');
    if (checksum && output['readable']) output['checksum'] = checksum;
    if (args.get_mime) {
      output['mimetype'] = 'unknown';
      output['charset'] = 'unknown';
      const mime = facts.get('mime');
      const m = mime ? /:\s*([^;:]+);\s*charset=(\S+)\s*$/.exec(mime) : null;
      if (m) [output['mimetype'], output['charset']] = [m[1]!.trim(), m[2]!.trim()];
    }
    if (args.get_attributes) {
      output['version'] = null;
      output['attributes'] = [];
      output['attr_flags'] = '';
      const [version, flags] = (facts.get('attr') ?? '').split(/\s+/);
      if (version && flags !== undefined) {
        output['version'] = version;
        const attrFlags = flags.replace(/-/g, '');
        output['attr_flags'] = attrFlags;
        output['attributes'] = [...attrFlags].filter((f) => f in FILE_ATTRIBUTES).map((f) => FILE_ATTRIBUTES[f]);
      }
    }
    return { changed: false, stat: output };
  },
});
