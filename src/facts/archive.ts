/**
 * An archive on the host and the directory it would be unpacked into, as unarchive reads them:
 * the source (exists, readable, size), the destination's stat, the task user's ids and umask, the
 * handler that can read the archive (tried in Ansible's order: unzip, then GNU tar with -z, none,
 * -j, -J, zstd) and why the others could not, the archive's members, and the comparison material:
 * `tar --diff` output for tar archives; zipinfo's listing, each member's CRC and the lstat (and
 * CRC32) of what is at its place under dest for zip archives. One round trip. It runs the host's
 * python3 (zipfile, pwd, grp; the host needs Python for Ansible too); the argument is one JSON
 * object (see ArchiveQuery), so nothing is spliced into the program.
 */
import { defineFact } from './fact.js';

export interface ArchiveQuery {
  src: string;
  dest: string;
  /** Arguments for `tar --list` after the compression flag (transformed names, --exclude=...). */
  tarList: string[];
  /** Arguments for `tar --diff` after the compression flag (options, --owner, --keep-newer-files, --exclude). */
  tarDiff: string[];
  /** Member patterns to include (tar and zip). */
  include: string[];
  /** Member patterns to exclude (fnmatch, as Ansible filters the listing; zip also gives them to zipinfo -x). */
  exclude: string[];
  /** The owner and group asked for, to resolve as Ansible does (name, else id). */
  owner: string | null;
  group: string | null;
}

export interface PathStat {
  type: 'file' | 'directory' | 'link' | 'other';
  /** Permission bits (S_IMODE). */
  mode: number;
  size: number;
  mtime: number;
  uid: number;
  gid: number;
  owner: string | null;
  group: string | null;
  nlink: number;
  /** zlib CRC32 of a regular file (zip members only). */
  crc?: number;
}

export interface ZipMember {
  crc: number;
  /** What is at dest/<member>, not following links; null when nothing is. */
  dest: PathStat | null;
}

export interface ArchiveState {
  uid: number;
  gid: number;
  groups: number[];
  umask: number;
  runOwner: string | null;
  runGroup: string | null;
  /** The owner/group asked for, resolved ([name, id]); null when not asked or unknown. */
  owner: [string, number] | null;
  group: [string, number] | null;
  src: { exists: boolean; readable: boolean; abs: string; size: number | null };
  /** lstat of dest, and whether it is a directory (following links). */
  dest: PathStat | null;
  destIsDir: boolean;
  /** The handler's class name as Ansible reports it, or null with the reasons in `reasons`. */
  handler: string | null;
  reasons: string[];
  /** The tar command the handler runs (gtar or tar), and the compression flag ('' for none). */
  tar?: string;
  flag?: string;
  /** unzip's path, and the zipinfo command (zipinfo, or unzip -Zl). */
  unzip?: string;
  zipinfo?: string[];
  files: string[];
  diff?: { rc: number; out: string; err: string; cmd: string[] };
  zipinfoOut?: string;
  zipinfoRc?: number;
  members?: Record<string, ZipMember>;
  /** zipinfo's sortable timestamps (yyyymmdd.hhmmss) as the host's mktime gives them. */
  times?: Record<string, number>;
}

const PROBE = String.raw`
import codecs, fnmatch, grp, json, os, pwd, shutil, stat, subprocess, sys, zipfile, zlib
q = json.loads(sys.argv[1])
src, dest = q["src"], q["dest"]
out = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "reasons": [], "files": []}
um = os.umask(0); os.umask(um); out["umask"] = um
def uname(uid):
    try: return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError): return None
def gname(gid):
    try: return grp.getgrgid(gid).gr_name
    except (KeyError, OverflowError, ValueError): return None
out["runOwner"] = uname(os.getuid()); out["runGroup"] = gname(os.getgid())
def owner(o):
    if o is None: return None
    try: p = pwd.getpwnam(o)
    except KeyError:
        try: p = pwd.getpwuid(int(o))
        except (KeyError, ValueError, OverflowError): return None
    return [p.pw_name, p.pw_uid]
def group(g):
    if g is None: return None
    try: p = grp.getgrnam(g)
    except KeyError:
        try: p = grp.getgrgid(int(g))
        except (KeyError, ValueError, OverflowError): return None
    return [p.gr_name, p.gr_gid]
out["owner"] = owner(q["owner"]); out["group"] = group(q["group"])
def crc32(p):
    c = 0
    with open(p, "rb") as f:
        while True:
            b = f.read(65536)
            if not b: return c & 0xffffffff
            c = zlib.crc32(b, c)
def lst(p, crc=False):
    try: s = os.lstat(p)
    except OSError: return None
    m = s.st_mode
    t = "link" if stat.S_ISLNK(m) else "directory" if stat.S_ISDIR(m) else "file" if stat.S_ISREG(m) else "other"
    r = {"type": t, "mode": stat.S_IMODE(m), "size": s.st_size, "mtime": s.st_mtime, "uid": s.st_uid, "gid": s.st_gid, "owner": uname(s.st_uid), "group": gname(s.st_gid), "nlink": s.st_nlink}
    if crc and t == "file":
        try: r["crc"] = crc32(p)
        except OSError: pass
    return r
size = None
try: size = os.path.getsize(src)
except OSError: pass
out["src"] = {"exists": os.path.exists(src), "readable": os.access(src, os.R_OK), "abs": os.path.abspath(src), "size": size}
out["dest"] = lst(dest); out["destIsDir"] = os.path.isdir(dest)
def done():
    sys.stdout.write(json.dumps(out)); sys.exit(0)
if not (out["src"]["exists"] and out["src"]["readable"] and size and out["destIsDir"]): done()
env = dict(os.environ, LANG="C", LC_ALL="C", LC_MESSAGES="C", LANGUAGE="C")
def run(cmd):
    try: p = subprocess.run(cmd, cwd=dest, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e: return 1, "", str(e)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode("utf-8", "surrogateescape")
def zip_handler(name, zi):
    unzip = shutil.which("unzip")
    if name == "ZipArchive":
        zinfo = shutil.which("zipinfo")
        missing = [b for b, p in (("unzip", unzip), ("zipinfo", zinfo)) if not p]
    else:
        missing = [] if unzip else ["unzip", "unzip"]
    if missing:
        out["reasons"].append("Unable to find required '%s' binary in the path." % "' or '".join(missing)); return False
    rc, o, e = run([unzip, "-l", src])
    if rc != 0:
        out["reasons"].append('Command "%s" could not handle archive: %s' % (unzip, e)); return False
    cmd = [zinfo] if name == "ZipArchive" else [unzip, "-Zl"]
    if name == "ZipZArchive":
        rc, o, e = run([unzip, "-Zl"])
        if "zipinfo" not in o.lower():
            out["reasons"].append('Command "unzip -Z" could not handle archive: %s' % e); return False
    try:
        with zipfile.ZipFile(src) as z:
            infos = z.infolist()
    except Exception as e:
        out["reasons"].append("Unable to list files in the archive: %s" % e); return False
    out["handler"] = name; out["unzip"] = unzip; out["zipinfo"] = cmd
    for i in infos:
        n = i.filename
        if q["include"]:
            out["files"] += [n for p in q["include"] if fnmatch.fnmatch(n, p)]
        elif not any(fnmatch.fnmatch(n, p) for p in q["exclude"]):
            out["files"].append(n)
    zcmd = cmd + ["-T", "-s", src] + (["-x"] + q["exclude"] if q["exclude"] else []) + q["include"]
    rc, o, e = run(zcmd)
    out["zipinfoOut"] = o; out["zipinfoRc"] = rc
    import re, time
    times = {}
    for line in o.splitlines():
        pcs = line.split(None, 7)
        if len(pcs) == 8 and len(pcs[6]) == 15:
            m = re.match(r"^(\d{4})(\d{2})(\d{2})\.(\d{2})(\d{2})(\d{2})$", pcs[6])
            dt = (1980, 1, 1, 0, 0, 0, 0, 0, 0)
            if m:
                y = int(m.group(1))
                dt = dt if y < 1980 else (2107, 12, 31, 23, 59, 59, 0, 0, 0) if y > 2107 else tuple(int(x) for x in m.groups()) + (0, 0, 0)
            try: times[pcs[6]] = time.mktime(time.struct_time(dt))
            except (ValueError, OverflowError): times[pcs[6]] = time.mktime(time.struct_time((1980, 1, 1, 0, 0, 0, 0, 0, 0)))
    out["times"] = times
    out["members"] = {i.filename: {"crc": i.CRC, "dest": lst(os.path.join(dest, i.filename), True)} for i in infos}
    return True
def tar_handler():
    tar = shutil.which("gtar") or shutil.which("tar")
    if not tar:
        out["reasons"].append("Unable to find required 'gtar' or 'tar' binary in the path"); return False
    rc, v, e = run([tar, "--version"])
    kind = "bsd" if v.startswith("bsdtar") else "gnu" if v.startswith("tar") and "GNU" in v else None
    if kind != "gnu":
        out["reasons"].append('Command "%s" detected as tar type %s. GNU tar required.' % (tar, kind)); return False
    for name, flag in (("TgzArchive", "-z"), ("TarArchive", ""), ("TarBzipArchive", "-j"), ("TarXzArchive", "-J"), ("TarZstdArchive", "--use-compress-program=zstd")):
        f = [flag] if flag else []
        rc, o, e = run([tar, "--list", "-C", dest] + f + q["tarList"] + ["-f", src] + q["include"])
        if rc != 0:
            out["reasons"].append('Command "%s" could not handle archive: Unable to list files in the archive: %s' % (tar, e)); continue
        files = []
        for line in o.splitlines():
            n = codecs.escape_decode(line.encode("utf-8", "surrogateescape"))[0].decode("utf-8", "surrogateescape")
            if n.startswith("/"): n = n[1:]
            if not any(fnmatch.fnmatch(n, p) for p in q["exclude"]): files.append(n)
        if not files:
            out["reasons"].append('Command "%s" found no files in archive. Empty archive files are not supported.' % tar); continue
        out["handler"] = name; out["tar"] = tar; out["flag"] = flag; out["files"] = files
        cmd = [tar, "--diff", "-C", dest] + f + q["tarDiff"] + ["-f", src] + q["include"]
        rc, o, e = run(cmd)
        out["diff"] = {"rc": rc, "out": o, "err": e, "cmd": cmd}
        return True
    return False
out["handler"] = None
zip_handler("ZipArchive", None) or zip_handler("ZipZArchive", None) or tar_handler()
done()
`;

/** Argument: the ArchiveQuery as JSON. */
export const archive = defineFact({
  name: 'archive',
  command: `python3 -c "$(printf '%s' '${Buffer.from(PROBE).toString('base64')}' | base64 -d)" "$1"`,
  parse(stdout: string, _query: string): ArchiveState {
    return JSON.parse(stdout) as ArchiveState;
  },
});
