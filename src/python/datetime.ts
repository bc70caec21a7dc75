/** Python's str(datetime) and str(timedelta), as command/pause results print them. */
function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function pyDatetime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds() * 1000, 6)}`;
}

export function pyTimedelta(ms: number): string {
  const total = Math.max(0, ms) / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const whole = Math.floor(s);
  const micro = Math.round((s - whole) * 1e6);
  return `${h}:${pad(m)}:${pad(whole)}.${pad(micro, 6)}`;
}
