/**
 * ansible.posix.synchronize: rsync between the controller and the host (push or pull), or, under
 * delegate_to, between the delegate and the host. rsync runs where Ansible runs it: on the
 * controller, or on the delegate (through the engine's connection to it); it reaches the other end
 * over ssh with the inventory host's address, port, user and key (or the module's dest_port,
 * private_key), StrictHostKeyChecking=no unless verify_host, and the connection's ssh arguments
 * with use_ssh_args. Become on the far end is `sudo -u USER rsync` as rsync_path, as in Ansible.
 * The command line is Ansible's (--delay-updates -F --compress --archive ... --out-format
 * '<<CHANGED>>%i %n%L'); changed comes from the itemized lines. On the controller, rsync also
 * reports --info=progress2, whose lines go to ctx.progress and are kept out of the result.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { quote } from '../python/shlex.js';
import { defineModule } from './define.js';
import type { ModuleContext, ModuleResult } from './types.js';

const LOCALHOST = ['127.0.0.1', 'localhost', '::1'];
const CHANGED = '<<CHANGED>>';

export interface RsyncOptions {
  rsync: string;
  checkMode: boolean;
  delete: boolean;
  existingOnly: boolean;
  checksum: boolean;
  copyLinks: boolean;
  compress: boolean;
  archive: boolean;
  recursive: boolean | null;
  links: boolean | null;
  perms: boolean | null;
  times: boolean | null;
  owner: boolean | null;
  group: boolean | null;
  dirs: boolean;
  delayUpdates: boolean;
  timeout: number;
  /** The ssh command for --rsh, or null when no end is remote (or rsync_opts has --rsh). */
  rsh: string | null;
  rsyncPath: string | null;
  rsyncOpts: string[];
  partial: boolean;
  linkDest: string[];
  progress: boolean;
  src: string;
  dest: string;
}

/** The module's command line (argv), in Ansible's order; progress adds --info=progress2 before the paths. */
export function rsyncCommand(o: RsyncOptions): string[] {
  const cmd = [o.rsync];
  if (o.delayUpdates) cmd.push('--delay-updates', '-F');
  if (o.compress) cmd.push('--compress');
  if (o.timeout) cmd.push(`--timeout=${o.timeout}`);
  if (o.checkMode) cmd.push('--dry-run');
  if (o.delete) cmd.push('--delete-after');
  if (o.existingOnly) cmd.push('--existing');
  if (o.checksum) cmd.push('--checksum');
  if (o.copyLinks) cmd.push('--copy-links');
  const flags: [boolean | null, string][] = [
    [o.recursive, 'recursive'],
    [o.links, 'links'],
    [o.perms, 'perms'],
    [o.times, 'times'],
    [o.owner, 'owner'],
    [o.group, 'group'],
  ];
  if (o.archive) {
    cmd.push('--archive');
    for (const [value, name] of flags) if (value === false) cmd.push(`--no-${name}`);
  } else {
    for (const [value, name] of flags) if (value === true) cmd.push(`--${name}`);
  }
  if (o.dirs) cmd.push('--dirs');
  if (o.rsh !== null) cmd.push(`--rsh=${o.rsh}`);
  if (o.rsyncPath) cmd.push(`--rsync-path=${o.rsyncPath}`);
  cmd.push(...o.rsyncOpts);
  if (o.partial) cmd.push('--partial');
  if (o.linkDest.length > 0) {
    cmd.push('-H', '-vv');
    for (const l of o.linkDest) cmd.push(`--link-dest=${l}`);
  }
  cmd.push(`--out-format=${CHANGED}%i %n%L`);
  if (o.progress) cmd.push('--info=progress2');
  cmd.push(o.src, o.dest);
  return cmd;
}

/** The command as Ansible's result shows it (its words quoted as the module quotes them). */
export function commandString(argv: readonly string[]): string {
  return argv
    .map((a) => {
      const eq = a.indexOf('=');
      if (a.startsWith('--rsh=') || a.startsWith('--rsync-path=') || a.startsWith('--out-format=')) return `${a.slice(0, eq + 1)}${quote(a.slice(eq + 1))}`;
      return a.startsWith('-') ? a : quote(a);
    })
    .join(' ');
}

/** What rsync printed, as the result shows it: changed, the itemized lines, and progress lines set apart. */
export function rsyncOutcome(out: string, linkDest: boolean): { changed: boolean; msg: string; lines: string[] } {
  const kept = out
    .split('\n')
    .flatMap((l) => {
      if (!l.includes('\r')) return [l];
      const rest = l.split('\r').filter((part) => !PROGRESS.test(part)).join('');
      return rest === '' ? [] : [rest];
    })
    .join('\n');
  const changed = linkDest ? !kept.includes(`${CHANGED}.`) : kept.includes(CHANGED);
  const msg = kept.split(CHANGED).join('');
  return { changed, msg, lines: msg.split('\n').filter((l) => l !== '') };
}

/** An --info=progress2 line: "  1,234,567  12%   10.00MB/s    0:00:05 (xfr#1, to-chk=0/1)". */
const PROGRESS = /^\s*[\d,.]+[KMGT]?\s+\d+%\s/;

/** The far end as rsync names it: [user@]host:path, kept when the path already names a host. */
export function rsyncTarget(host: string, p: string, user: string | null): string {
  if (p.startsWith('rsync://')) return p;
  const prefix = user ? `${user}@` : '';
  if (host.includes(':')) return `[${prefix}${host}]:${p}`;
  if (!p.includes(':')) return `${prefix}${host}:${p}`;
  if (!p.includes('@')) return `${prefix}${p}`;
  return p;
}

/** Runs rsync on the controller, streaming its output: progress lines to `onProgress` at most once a second. */
function runLocal(argv: string[], onProgress: ((m: string) => void) | undefined): Promise<{ rc: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const [file, ...rest] = argv;
    const child = spawn(file ?? 'rsync', rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let last = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stdout += text;
      if (!onProgress) return;
      const parts = text.split(/[\r\n]/).filter((p) => PROGRESS.test(p));
      const latest = parts[parts.length - 1];
      const now = Date.now();
      if (latest !== undefined && now - last >= 1000) {
        last = now;
        onProgress(latest.trim().replace(/\s+/g, ' '));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (e) => resolve({ rc: 127, stdout, stderr: stderr + e.message }));
    child.on('close', (code) => resolve({ rc: code ?? 1, stdout, stderr }));
  });
}

const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));

export default defineModule({
  name: 'synchronize',
  collection: 'ansible.posix',
  supportsCheckMode: true,
  // rsync runs on the controller unless delegated; the delegate's connection is opened when needed.
  controllerOnly: true,
  spec: {
    options: {
      src: { type: 'str' },
      dest: { type: 'str' },
      dest_port: { type: 'int' },
      delete: { type: 'bool', default: false },
      private_key: { type: 'path' },
      rsync_path: { type: 'str' },
      archive: { type: 'bool', default: true },
      checksum: { type: 'bool', default: false },
      compress: { type: 'bool', default: true },
      existing_only: { type: 'bool', default: false },
      dirs: { type: 'bool', default: false },
      recursive: { type: 'bool' },
      links: { type: 'bool' },
      copy_links: { type: 'bool', default: false },
      perms: { type: 'bool' },
      times: { type: 'bool' },
      owner: { type: 'bool' },
      group: { type: 'bool' },
      set_remote_user: { type: 'bool', default: true },
      rsync_timeout: { type: 'int', default: 0 },
      rsync_opts: { type: 'list', elements: 'str', default: [] },
      use_ssh_args: { type: 'bool', default: false },
      ssh_connection_multiplexing: { type: 'bool', default: false },
      partial: { type: 'bool', default: false },
      verify_host: { type: 'bool', default: false },
      delay_updates: { type: 'bool', default: true },
      mode: { type: 'str', default: 'push', choices: ['pull', 'push'] },
      link_dest: { type: 'list', elements: 'path' },
    },
  },
  async run(args, ctx) {
    if (args.src === null || args.dest === null) return { changed: false, failed: true, msg: 'synchronize requires both src and dest parameters are set' };
    const v = (host: string, name: string): string | null => str(ctx.connectionVariable(host, name));
    const delegated = ctx.target !== ctx.host;
    const transportOf = (host: string): string => v(host, 'ansible_connection') ?? (LOCALHOST.includes(host) ? 'local' : 'ssh');
    const hostTransport = transportOf(ctx.host);
    const targetTransport = transportOf(ctx.target);
    if (!delegated && !['ssh', 'paramiko', 'local', 'smart', 'docker', 'community.docker.docker', 'podman', 'buildah'].includes(hostTransport)) {
      return { changed: false, failed: true, msg: `synchronize uses rsync to function. rsync needs to connect to the remote host via ssh, docker client or a direct filesystem copy. This remote host is being accessed via ${hostTransport} instead so it cannot work.` };
    }
    const transport = delegated ? targetTransport : hostTransport;
    if (['docker', 'community.docker.docker', 'podman', 'buildah'].includes(transport)) {
      return { changed: false, failed: true, msg: `synchronize: rsync through the ${transport} connection (docker exec as --rsh) is not supported by this engine; reach ${delegated ? ctx.target : ctx.host} over ssh` };
    }
    const remoteTransport = transport !== 'local';
    let srcHost = '127.0.0.1';
    let destHost = v(ctx.host, 'ansible_host') ?? ctx.host;
    const destHostIds = [ctx.host, v(ctx.host, 'ansible_host')].filter((h): h is string => h !== null);
    const destIsLocal = (!delegated && !remoteTransport) || (delegated && destHostIds.includes(ctx.target));
    const invPort = Number(v(ctx.host, 'ansible_port') ?? 22);
    const destPort = args.dest_port ?? invPort;
    let useDelegate = false;
    if (delegated && destHostIds.includes(ctx.target)) {
      destHost = '127.0.0.1';
      useDelegate = true;
    } else if (delegated && remoteTransport) useDelegate = true;
    // Where rsync runs: the controller, unless a remote delegate runs it.
    const runsOnController = !useDelegate || targetTransport === 'local';
    const runnerTransport = runsOnController ? 'local' : targetTransport;
    if (args.mode === 'pull') [destHost, srcHost] = [srcHost, destHost];

    const localPath = (p: string): string => {
      if (p.includes(':') || p.startsWith('/')) return p;
      const found = ctx.findFile('files', p.replace(/\/+$/, '')) ?? path.join(ctx.playbookDir, 'files', p);
      return p.endsWith('/') && !found.endsWith('/') ? `${found}/` : found;
    };
    let src = args.src;
    let dest = args.dest;
    let user: string | null = null;
    let privateKey = args.private_key;
    if (!destIsLocal) {
      if (args.set_remote_user) user = useDelegate ? (v(ctx.target, 'ansible_user') ?? v(ctx.host, 'ansible_user')) : v(ctx.host, 'ansible_user');
      privateKey ??= v(runsOnController ? ctx.host : ctx.target, 'ansible_ssh_private_key_file') ?? v(runsOnController ? ctx.host : ctx.target, 'ansible_private_key_file');
      const portIsLocal = invPort === 22;
      const remote = (host: string, p: string): string => (!LOCALHOST.includes(host) || runnerTransport !== 'local' || !portIsLocal ? rsyncTarget(host, p, user) : localPath(p));
      const origin = (host: string, p: string): string => (LOCALHOST.includes(host) ? localPath(p) : rsyncTarget(host, p, user));
      if (args.mode === 'pull') {
        src = remote(srcHost, src);
        dest = origin(destHost, dest);
      } else {
        src = origin(srcHost, src);
        dest = remote(destHost, dest);
      }
    } else {
      src = localPath(src);
      dest = localPath(dest);
    }
    let rsyncPath = args.rsync_path;
    if (!destIsLocal && ctx.become && !rsyncPath && ctx.become.method === 'sudo') rsyncPath = ctx.become.user ? `sudo -u ${ctx.become.user} rsync` : 'sudo rsync';

    const isRemote = (p: string): boolean => !p.startsWith('rsync://') && p.includes(':');
    let rsh: string | null = null;
    if ((isRemote(src) || isRemote(dest)) && !args.rsync_opts.some((o) => o.includes('--rsh'))) {
      const ssh = ['ssh'];
      if (!args.ssh_connection_multiplexing) ssh.push('-S', 'none');
      if (privateKey) ssh.push('-i', privateKey);
      ssh.push('-o', `Port=${destPort}`);
      if (!args.verify_host) ssh.push('-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null');
      rsh = ssh.map(quote).join(' ');
      if (args.use_ssh_args && hostTransport === 'ssh') {
        const sshArgs = ['ansible_ssh_args', 'ansible_ssh_common_args', 'ansible_ssh_extra_args'].map((n) => v(ctx.host, n)).filter((a): a is string => a !== null);
        if (sshArgs.length > 0) rsh += ` ${sshArgs.join(' ')}`;
      }
    }
    const options: RsyncOptions = {
      rsync: v(ctx.host, 'ansible_rsync_path') ?? 'rsync',
      checkMode: ctx.checkMode,
      delete: args.delete,
      existingOnly: args.existing_only,
      checksum: args.checksum,
      copyLinks: args.copy_links,
      compress: args.compress,
      archive: args.archive,
      recursive: args.recursive,
      links: args.links,
      perms: args.perms,
      times: args.times,
      owner: args.owner,
      group: args.group,
      dirs: args.dirs,
      delayUpdates: args.delay_updates,
      timeout: args.rsync_timeout,
      rsh,
      rsyncPath,
      rsyncOpts: args.rsync_opts,
      partial: args.partial,
      linkDest: (args.link_dest ?? []).map((l) => path.posix.resolve(l)),
      progress: runsOnController && !ctx.checkMode && ctx.progress !== undefined,
      src,
      dest,
    };
    const argv = rsyncCommand(options);
    const cmd = commandString(argv);
    const r = runsOnController ? await runLocal(argv, ctx.progress?.bind(ctx)) : await runRemote(ctx, argv);
    if (r.rc !== 0) return { changed: false, failed: true, msg: r.stderr, rc: r.rc, cmd };
    const outcome = rsyncOutcome(r.stdout, options.linkDest.length > 0);
    const result: ModuleResult = { changed: outcome.changed, msg: outcome.msg, rc: r.rc, cmd, stdout_lines: outcome.lines };
    if (ctx.diffMode) result.diff = { prepared: outcome.msg };
    return result;
  },
});

/** rsync on the delegate, through the engine's connection to it (without become: rsync_path carries it to the far end). */
async function runRemote(ctx: ModuleContext, argv: string[]): Promise<{ rc: number; stdout: string; stderr: string }> {
  const conn = await ctx.connect();
  const r = await conn.exec(argv);
  return { rc: r.rc ?? 1, stdout: r.stdout, stderr: r.stderr };
}
