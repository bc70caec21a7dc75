/**
 * What assemble reads on a host, in one command: the destination file (its stat, following links,
 * and sha1) and the source directory's entries, each regular file (links followed) with its bytes.
 * Names and contents travel base64-encoded, so any byte survives.
 */
import { parseStat } from '../connection/remote-stat.js';
import type { FileStat } from '../connection/types.js';
import { defineFact } from './fact.js';

export interface FragmentEntry {
  name: string;
  /** A regular file (os.path.isfile: links followed) and its bytes; other entries have none. */
  content: Buffer | null;
}

export interface FragmentsState {
  /** The source directory: missing, not a directory, or its entries (in listing order). */
  source: { kind: 'missing' } | { kind: 'not-a-directory' } | { kind: 'directory'; entries: FragmentEntry[] };
  /** The destination, links followed (null when it does not exist), with its checksum when a readable file. */
  dest: FileStat | null;
}

export const fragments = defineFact({
  name: 'fragments',
  command: `src=$1 dest=$2
if [ -e "$dest" ]; then
  stat -L -c 'S:%f|%u|%g|%U|%G|%s|%.9X|%.9Y|%.9Z|%i|%d|%h' -- "$dest" || exit 1
  if [ -f "$dest" ] && [ -r "$dest" ]; then printf 'C:'; sha1sum < "$dest"; fi
fi
if [ ! -e "$src" ]; then echo 'src:missing'; exit 0; fi
if [ ! -d "$src" ]; then echo 'src:notdir'; exit 0; fi
cd -- "$src" || exit 1
echo 'src:dir'
for f in * .*; do
  case $f in .|..) continue ;; esac
  [ -e "$f" ] || [ -L "$f" ] || continue
  n=$(printf '%s' "$f" | base64 -w0)
  if [ -f "$f" ]; then printf 'F:%s:' "$n"; base64 -w0 < "$f" || exit 1; echo; else echo "O:$n"; fi
done
exit 0`,
  parse(stdout: string, _src: string, dest: string): FragmentsState {
    const lines = stdout.split('\n');
    const statLines = lines.filter((l) => l.startsWith('S:') || l.startsWith('C:'));
    const marker = lines.find((l) => l.startsWith('src:'));
    const entries: FragmentEntry[] = [];
    for (const line of lines) {
      if (line.startsWith('F:')) {
        const [name = '', data = ''] = line.slice(2).split(':');
        entries.push({ name: Buffer.from(name, 'base64').toString('utf8'), content: Buffer.from(data, 'base64') });
      } else if (line.startsWith('O:')) entries.push({ name: Buffer.from(line.slice(2), 'base64').toString('utf8'), content: null });
    }
    const source: FragmentsState['source'] = marker === 'src:missing' ? { kind: 'missing' } : marker === 'src:notdir' ? { kind: 'not-a-directory' } : { kind: 'directory', entries };
    return { source, dest: statLines.length ? parseStat(dest, statLines.join('\n')) : null };
  },
});
