/**
 * unarchive's decisions, as pure functions of the archive fact: whether the archive is already
 * unpacked (tar: the lines of `tar --diff` that matter; zip: each zipinfo entry against what is at
 * its place, with Ansible's itemized diff), and the commands that unpack it and settle
 * owner/group/mode on every member (reporting, through chown/chgrp/chmod -c, whether they changed).
 */
import type { ArchiveState, PathStat } from '../../facts/archive.js';
import { join } from '../../python/shlex.js';
import { type ModeRequest, resolveMode } from './mode.js';

export interface ArchiveOptions {
  /** extra_opts */
  opts: string[];
  include: string[];
  exclude: string[];
  keepNewer: boolean;
  owner: string | null;
  group: string | null;
  mode: ModeRequest | undefined;
}

/** The tar arguments after the compression flag, for --list, --diff and --extract. */
export function tarArguments(o: ArchiveOptions): { list: string[]; diff: string[] } {
  const opts = o.opts.length > 0 ? ['--show-transformed-names', ...o.opts] : [];
  const excludes = o.exclude.map((e) => `--exclude=${e.replace(/\/+$/, '')}`);
  const diff = [...opts];
  if (o.owner) diff.push(`--owner=${o.owner}`);
  if (o.group) diff.push(`--group=${o.group}`);
  if (o.keepNewer) diff.push('--keep-newer-files');
  return { list: [...opts, ...excludes], diff: [...diff, ...excludes] };
}

const EMPTY_FILE_RE = /: : Warning: Cannot stat: No such file or directory$/;
const DIFFERS = [/: Mod time differs$/, /: Warning: Cannot stat: No such file or directory$/, /: Invalid owner/, /: Invalid group/, /: Symlink differs$/, /: Contents differ$/, /: Size differs$/];

/** TgzArchive.is_unarchived: the `tar --diff` lines that mean the archive must be unpacked ('' when none). */
export function tarDifferences(out: string, err: string, runUid: number, o: Pick<ArchiveOptions, 'owner' | 'group' | 'mode'>): string {
  let kept = '';
  for (const line of [...splitLines(out), ...splitLines(err)]) {
    if (EMPTY_FILE_RE.test(line)) continue;
    if (runUid === 0 && !o.owner && /: Uid differs$/.test(line)) kept += `${line}\n`;
    if (runUid === 0 && !o.group && /: Gid differs$/.test(line)) kept += `${line}\n`;
    if (!o.mode && /: Mode differs$/.test(line)) kept += `${line}\n`;
    for (const re of DIFFERS) if (re.test(line)) kept += `${line}\n`;
  }
  return kept;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Python's str.split(None, max). */
export function pySplit(line: string, max: number): string[] {
  const parts: string[] = [];
  let rest = line.replace(/^\s+/, '');
  while (rest !== '' && parts.length < max) {
    const m = /\s+/.exec(rest);
    if (!m) break;
    parts.push(rest.slice(0, m.index));
    rest = rest.slice(m.index + m[0].length);
  }
  // The remainder keeps its trailing blanks when the split stopped at max, as Python's does.
  if (rest !== '') parts.push(parts.length < max ? rest.replace(/\s+$/, '') : rest);
  return parts;
}

/** _permstr_to_octal: rwx bits of a 9-letter permission string (s and t count as x), without umask. */
function permstrToOctal(permstr: string, umask: number): number {
  const rev = [...permstr].reverse();
  let mode = 0;
  for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) if ('rwxst'.includes(rev[i + 3 * j] ?? '')) mode += 2 ** (i + 3 * j);
  return mode & ~umask;
}

export interface ZipCheck {
  unarchived: boolean;
  /** The itemized changes (rsync style), Ansible's `diff.prepared`. */
  diff: string;
  /** Excludes for the unpacking: the task's plus members kept because they are newer (keep_newer). */
  excludes: string[];
  err: string;
}

/** ZipArchive.is_unarchived, on the zipinfo listing and the lstat of each member's place. */
export function zipDifferences(state: ArchiveState, o: ArchiveOptions): ZipCheck {
  let unarchived = state.zipinfoRc === 0;
  let diff = '';
  let err = '';
  const includes: string[] = [];
  const excludes = [...o.exclude];
  const futOwner = o.owner ? (state.owner?.[0] ?? state.runOwner) : state.runOwner;
  const futUid = o.owner ? (state.owner?.[1] ?? state.uid) : state.uid;
  const futGroup = o.group ? (state.group?.[0] ?? state.runGroup) : state.runGroup;
  const futGid = o.group ? (state.group?.[1] ?? state.gid) : state.gid;
  for (const line of splitLines(state.zipinfoOut ?? '')) {
    const pcs = pySplit(line, 7);
    if (pcs.length !== 8) continue;
    const [perm = '', , , sizeText = '', , , stamp = '', name = ''] = pcs;
    if (![7, 8, 10].includes(perm.length) || stamp.length !== 15) continue;
    const ztype = perm[0] ?? '';
    if (!'dl-?'.includes(ztype) || ![...perm.slice(1)].every((c) => 'rwxstah-'.includes(c))) continue;
    let permstr = perm.slice(1);
    const size = Number(sizeText);
    if (o.exclude.includes(name)) continue;
    let ftype = 'f';
    if (name.endsWith('/')) ftype = 'd';
    else if (ztype === 'l') ftype = 'L';
    let fileUmask = 0;
    if (permstr.length === 6) {
      permstr = name.endsWith('/') || permstr === 'rwx---' ? 'rwxrwxrwx' : 'rw-rw-rw-';
      fileUmask = state.umask;
    } else if (permstr.length === 7) {
      permstr = permstr === 'rwxa---' ? 'rwxrwxrwx' : 'rw-rw-rw-';
      fileUmask = state.umask;
    }
    if (permstr.length !== 9 || !/^([r-][w-][SsTtx-]){3}/.test(permstr)) throw new Error(`ZIP info perm format incorrect, ${permstr}`);
    const st: PathStat | null | undefined = state.members?.[name]?.dest;
    const include = (): void => {
      if (!includes.includes(name)) includes.push(name);
    };
    if (!st) {
      include();
      err += `Path ${name} is missing\n`;
      diff += `>${ftype}++++++.?? ${name}\n`;
      continue;
    }
    if ((ftype === 'd' && st.type !== 'directory') || (ftype === 'f' && st.type !== 'file') || (ftype === 'L' && st.type !== 'link')) {
      include();
      if (ftype === 'f') unarchived = false;
      diff += `c${ftype}++++++.?? ${name}\n`;
      continue;
    }
    let change = false;
    const itemized = [...`.${ftype}.......??`];
    const timestamp = state.times?.[stamp] ?? 0;
    if (st.type === 'file') {
      if (o.keepNewer) {
        if (timestamp > st.mtime) {
          change = true;
          include();
          itemized[4] = 't';
        } else if (timestamp < st.mtime) {
          excludes.push(name);
          continue;
        }
      } else if (timestamp !== st.mtime) {
        change = true;
        include();
        itemized[4] = 't';
      }
      if (size !== st.size) {
        change = true;
        itemized[3] = 's';
      }
      if (st.crc !== state.members?.[name]?.crc) {
        change = true;
        itemized[2] = 'c';
      }
    }
    if (ftype !== 'L') {
      let mode: number;
      if (o.mode) mode = resolveMode(o.mode, st.mode, st.type === 'directory', state.umask);
      else if (ztype === '?') mode = permstrToOctal(permstr, 0);
      else mode = permstrToOctal(permstr, fileUmask);
      if (mode !== st.mode) {
        change = true;
        itemized[5] = 'p';
      }
    }
    if (state.uid !== 0 && (futOwner !== state.runOwner || futUid !== state.uid)) throw new Error(`Cannot change ownership of ${name} to ${String(futOwner)}, as user ${String(state.runOwner)}`);
    if (st.owner ? st.owner !== futOwner : st.uid !== futUid) {
      change = true;
      itemized[6] = 'o';
    }
    if (state.uid !== 0 && (futGroup !== state.runGroup || futGid !== state.gid) && !state.groups.includes(futGid)) throw new Error(`Cannot change group ownership of ${name} to ${String(futGroup)}, as user ${String(state.runOwner)}`);
    if (st.group ? st.group !== futGroup : st.gid !== futGid) {
      change = true;
      itemized[6] = 'g';
    }
    if (change) {
      include();
      diff += `${itemized.join('')} ${name}\n`;
    }
  }
  if (includes.length > 0) unarchived = false;
  return { unarchived, diff, excludes, err };
}

/** The unpacking command (argv), as the handler runs it. */
export function unpackCommand(state: ArchiveState, o: ArchiveOptions, src: string, dest: string, zipExcludes: string[]): string[] {
  if (state.handler === 'ZipArchive' || state.handler === 'ZipZArchive') {
    return [state.unzip ?? 'unzip', '-o', ...o.opts, src, ...(zipExcludes.length > 0 ? ['-x', ...zipExcludes] : []), ...o.include, '-d', dest];
  }
  const flag = state.flag ? [state.flag] : [];
  return [state.tar ?? 'tar', '--extract', '-C', dest, ...flag, ...tarArguments(o).diff, '-f', src, ...o.include];
}

/** The paths whose owner/group/mode are settled: every member, then the top folders (Ansible #35426). */
export function attributePaths(files: readonly string[], dest: string): string[] {
  const paths = files.map((f) => (f.startsWith('/') ? f : `${dest.replace(/\/+$/, '')}/${f}`));
  const top: string[] = [];
  for (const f of files) {
    if (!f.includes('/')) continue;
    const t = f.split('/')[0] ?? '';
    if (!top.includes(t)) top.push(t);
  }
  return [...paths, ...top.map((t) => `${dest}/${t}`)];
}

/**
 * A shell script that settles owner, group and mode on the paths ($@) with chown/chgrp/chmod -c,
 * printing a line for each change (links: owner and group only, never followed). Empty when
 * nothing is asked.
 */
export function attributeScript(o: Pick<ArchiveOptions, 'owner' | 'group' | 'mode'>): string {
  const steps: string[] = [];
  if (o.owner) steps.push(`chown -h -c ${join([o.owner])} -- "$p" || exit 1`);
  if (o.group) steps.push(`chgrp -h -c ${join([o.group])} -- "$p" || exit 1`);
  if (o.mode) {
    const mode = 'octal' in o.mode ? o.mode.octal.toString(8).padStart(4, '0') : o.mode.symbolic;
    steps.push(`[ -L "$p" ] || chmod -c ${join([mode])} -- "$p" || exit 1`);
  }
  if (steps.length === 0) return '';
  return `for p in "$@"; do [ -e "$p" ] || [ -L "$p" ] || continue; ${steps.join('; ')}; done`;
}
