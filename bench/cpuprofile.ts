/**
 * Where the time of a `node --cpu-prof` profile goes: self time by area (idle = waiting on the
 * network or children, our code, ssh2, Node's crypto, the garbage collector, ...) and the
 * functions with the most self time. Used by bench/engine-ssh.ts --profile; also a command:
 *   node --import tsx bench/cpuprofile.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The area a frame belongs to, by its script. */
function area(frame: CallFrame, ours: readonly string[]): string {
  const { functionName: name, url } = frame;
  if (!url) {
    if (name === '(idle)') return 'idle (waiting: network, timers)';
    if (name === '(garbage collector)') return 'garbage collector';
    if (name === '(program)') return 'V8/native (program)';
    return 'native';
  }
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  for (const dir of url.startsWith('file://') ? ours : []) {
    const rel = path.relative(dir, file);
    if (!rel.startsWith('..')) return `ours: ${rel.split('/')[0]}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1] === 'ssh2' ? (/\/crypto|poly1305|chacha/i.test(file) ? 'ssh2 crypto' : 'ssh2') : `npm: ${pkg[1]}`;
  if (file.startsWith('node:internal/crypto') || file === 'node:crypto') return 'node crypto';
  if (file.startsWith('node:')) return 'node internals';
  return 'other';
}

/** `ours`: the directories of the engine's own code (its build, src/); file names are shown relative to `root`. */
export function summarizeProfile(profile: CpuProfile, options: { root: string; ours?: string[]; top?: number }): string {
  const ours = options.ours ?? [path.join(options.root, 'dist'), path.join(options.root, 'src')];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // timeDeltas[i+1] is the time from sample i to the next: the time sample i stood for.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
  }
  const total = profile.endTime - profile.startTime;
  const areas = new Map<string, number>();
  const fns = new Map<string, { us: number; area: string }>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const a = area(frame, ours);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const where = frame.url ? `${frame.url.startsWith('file://') ? path.relative(options.root, fileURLToPath(frame.url)) : frame.url}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    const f = fns.get(key) ?? { us: 0, area: a };
    f.us += us;
    fns.set(key, f);
  }
  const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(6)} ms`;
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`  profiled ${ms(total).trim()} of the process's life; self time by area:`];
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1])) lines.push(`    ${ms(us)} ${pct(us)}  ${a}`);
  lines.push(`  top functions by self time:`);
  for (const [key, f] of [...fns].sort((x, y) => y[1].us - x[1].us).slice(0, options.top ?? 15)) lines.push(`    ${ms(f.us)} ${pct(f.us)}  ${key}  [${f.area}]`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) throw new Error('usage: node --import tsx bench/cpuprofile.ts FILE.cpuprofile [TOP]');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  console.log(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, { root, top: Number(top) }));
}
