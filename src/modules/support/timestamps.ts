/** modification_time / access_time of the file module: 'preserve', 'now' or a strptime-formatted time. */
import type { FileStat } from '../../connection/types.js';
import type { StateDiff } from './attributes.js';

export type TimeRequest = 'preserve' | 'now' | number;

export class TimeFormatError extends Error {
  override name = 'TimeFormatError';
}

const FIELDS: Record<string, { pattern: string; set: (t: Parts, v: string) => void }> = {
  Y: { pattern: '(\\d{4})', set: (t, v) => (t.year = Number(v)) },
  y: { pattern: '(\\d{2})', set: (t, v) => (t.year = Number(v) + (Number(v) < 69 ? 2000 : 1900)) },
  m: { pattern: '(\\d{1,2})', set: (t, v) => (t.month = Number(v)) },
  d: { pattern: '(\\d{1,2})', set: (t, v) => (t.day = Number(v)) },
  H: { pattern: '(\\d{1,2})', set: (t, v) => (t.hour = Number(v)) },
  M: { pattern: '(\\d{1,2})', set: (t, v) => (t.minute = Number(v)) },
  S: { pattern: '(\\d{1,2})', set: (t, v) => (t.second = Number(v)) },
};

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** time.mktime(time.strptime(text, format)) for the numeric directives (%Y %y %m %d %H %M %S %%). */
export function parseTime(text: string, format: string): number {
  const setters: ((t: Parts, v: string) => void)[] = [];
  let pattern = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      pattern += /\s/.test(ch) ? '\\s+' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const directive = format[++i] ?? '';
    if (directive === '%') {
      pattern += '%';
      continue;
    }
    const field = FIELDS[directive];
    if (!field) throw new TimeFormatError(`'${directive}' is a bad directive in format '%${directive}'`);
    pattern += field.pattern;
    setters.push(field.set);
  }
  const match = new RegExp(`^${pattern}$`).exec(text);
  if (!match) throw new TimeFormatError(`time data '${text}' does not match format '${format}'`);
  const parts: Parts = { year: 1900, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  setters.forEach((set, i) => set(parts, match[i + 1] ?? ''));
  if (parts.month < 1 || parts.month > 12 || parts.day < 1 || parts.day > 31 || parts.hour > 23 || parts.minute > 59 || parts.second > 61) {
    throw new TimeFormatError(`time data '${text}' does not match format '${format}'`);
  }
  // mktime: the controller's local time zone stands in for the host's.
  return new Date(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second).getTime() / 1000;
}

/** get_timestamp_for_time: 'preserve' and 'now' stay words, anything else is parsed. */
export function timeRequest(value: string | null, format: string, fallback: 'preserve' | 'now'): TimeRequest {
  const v = value ?? fallback;
  if (v === 'preserve' || v === 'now') return v;
  return parseTime(v, format);
}

/**
 * The touch commands that set the times of `path` (update_timestamp_for_file), recording diff
 * entries; empty when nothing changes. Both 'now' always counts as a change, as in Ansible.
 */
export function planTimestamps(path: string, st: FileStat, mtime: TimeRequest, atime: TimeRequest, diff?: StateDiff): string[][] {
  const now = Date.now() / 1000;
  if (mtime === 'now' && atime === 'now') {
    if (diff) {
      diff.before['mtime'] = st.mtime;
      diff.after['mtime'] = now;
      diff.before['atime'] = st.atime;
      diff.after['atime'] = now;
    }
    return [['touch', '-c', '--', path]];
  }
  if (mtime === 'preserve' && atime === 'preserve') return [];
  const newM = mtime === 'preserve' ? st.mtime : mtime === 'now' ? now : mtime;
  const newA = atime === 'preserve' ? st.atime : atime === 'now' ? now : atime;
  const commands: string[][] = [];
  if (newM !== st.mtime) {
    commands.push(['touch', '-c', '-m', '-d', `@${newM}`, '--', path]);
    if (diff) [diff.before['mtime'], diff.after['mtime']] = [st.mtime, newM];
  }
  if (newA !== st.atime) {
    commands.push(['touch', '-c', '-a', '-d', `@${newA}`, '--', path]);
    if (diff) [diff.before['atime'], diff.after['atime']] = [st.atime, newA];
  }
  return commands;
}
