/** Python's time.strftime (glibc, C locale) on a JavaScript Date, local time or UTC. */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface Fields {
  Y: number;
  m: number; // 1-12
  d: number;
  H: number;
  M: number;
  S: number;
  w: number; // 0 = Sunday
  j: number; // 1-366
  offset: number; // minutes east of UTC
}

function fields(date: Date, utc: boolean): Fields {
  const Y = utc ? date.getUTCFullYear() : date.getFullYear();
  const m = (utc ? date.getUTCMonth() : date.getMonth()) + 1;
  const d = utc ? date.getUTCDate() : date.getDate();
  const j = Math.round((Date.UTC(Y, m - 1, d) - Date.UTC(Y, 0, 1)) / 86400000) + 1;
  return {
    Y,
    m,
    d,
    H: utc ? date.getUTCHours() : date.getHours(),
    M: utc ? date.getUTCMinutes() : date.getMinutes(),
    S: utc ? date.getUTCSeconds() : date.getSeconds(),
    w: utc ? date.getUTCDay() : date.getDay(),
    j,
    offset: utc ? 0 : -date.getTimezoneOffset(),
  };
}

/** ISO 8601 week number and week-based year. */
function isoWeek(f: Fields): [number, number] {
  const wday = (f.w + 6) % 7; // Monday = 0
  const thursday = new Date(Date.UTC(f.Y, f.m - 1, f.d + 3 - wday));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / 86400000 / 7) + 1;
  return [week, year];
}

function zoneName(date: Date, utc: boolean): string {
  if (utc) return 'GMT';
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

/** `micro`: datetime.strftime, which also knows %f (microseconds); time.strftime leaves %f as written. */
export function strftime(date: Date, format: string, utc: boolean, micro = false): string {
  const f = fields(date, utc);
  const pad = (n: number, w = 2, c = '0'): string => String(n).padStart(w, c);
  const hour12 = f.H % 12 === 0 ? 12 : f.H % 12;
  const one = (c: string): string | undefined => {
    switch (c) {
      case 'a': return DAYS[f.w]!.slice(0, 3);
      case 'A': return DAYS[f.w]!;
      case 'b': case 'h': return MONTHS[f.m - 1]!.slice(0, 3);
      case 'B': return MONTHS[f.m - 1]!;
      case 'c': return `${one('a')} ${one('b')} ${pad(f.d, 2, ' ')} ${one('T')} ${f.Y}`;
      case 'C': return pad(Math.floor(f.Y / 100));
      case 'd': return pad(f.d);
      case 'D': case 'x': return `${pad(f.m)}/${pad(f.d)}/${pad(f.Y % 100)}`;
      case 'e': return pad(f.d, 2, ' ');
      case 'F': return `${f.Y}-${pad(f.m)}-${pad(f.d)}`;
      case 'G': return String(isoWeek(f)[1]);
      case 'g': return pad(isoWeek(f)[1] % 100);
      case 'H': return pad(f.H);
      case 'I': return pad(hour12);
      case 'j': return pad(f.j, 3);
      case 'k': return pad(f.H, 2, ' ');
      case 'l': return pad(hour12, 2, ' ');
      case 'm': return pad(f.m);
      case 'M': return pad(f.M);
      case 'n': return '\n';
      case 'p': return f.H < 12 ? 'AM' : 'PM';
      case 'P': return f.H < 12 ? 'am' : 'pm';
      case 'r': return `${pad(hour12)}:${pad(f.M)}:${pad(f.S)} ${one('p')}`;
      case 'R': return `${pad(f.H)}:${pad(f.M)}`;
      case 's': return String(Math.floor(date.getTime() / 1000));
      case 'S': return pad(f.S);
      case 't': return '\t';
      case 'T': case 'X': return `${pad(f.H)}:${pad(f.M)}:${pad(f.S)}`;
      case 'u': return String(f.w === 0 ? 7 : f.w);
      case 'U': return pad(Math.floor((f.j - 1 - f.w + 7) / 7));
      case 'V': return pad(isoWeek(f)[0]);
      case 'w': return String(f.w);
      case 'W': return pad(Math.floor((f.j - 1 - ((f.w + 6) % 7) + 7) / 7));
      case 'y': return pad(f.Y % 100);
      case 'Y': return String(f.Y);
      case 'z': {
        const o = Math.abs(f.offset);
        return `${f.offset < 0 ? '-' : '+'}${pad(Math.floor(o / 60))}${pad(o % 60)}`;
      }
      case 'Z': return zoneName(date, utc);
      case '%': return '%';
      case 'f': return micro ? pad(date.getMilliseconds() * 1000, 6) : undefined;
      default: return undefined;
    }
  };
  // glibc leaves an unknown directive (such as %f) as written.
  return format.replace(/%(.?)/gs, (m, c: string) => one(c) ?? m);
}
