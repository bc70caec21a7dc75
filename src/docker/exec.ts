/**
 * One command in a running container through the engine's exec API: argv (no shell of ours),
 * stdin written and then half-closed, stdout and stderr demultiplexed byte for byte, the exit code
 * from the exec's inspect. A command that prompts first (sudo, su) gets a PromptResponder, which
 * answers the prompt and lets stdin flow only once the command itself runs.
 * A command with a timeout runs under a small /bin/sh parent whose command line carries a tag; at
 * the timeout a root exec finds that parent in /proc and kills it with all its descendants (the
 * parent links in /proc/<pid>/stat, which every user may read, unlike the environment).
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { StreamDemuxer } from './demux.js';

export interface ContainerExec {
  argv: readonly string[];
  /** User (name or uid[:gid]) the engine starts the command as; the container's user by default. */
  user?: string;
  env?: Record<string, string>;
  workingDir?: string;
  stdin?: Buffer;
  timeoutMs?: number;
  /** For a command that prompts before it runs (sudo, su): answers, and strips what it printed. */
  respond?: (io: PromptIo, startInput: () => void) => PromptResponder;
  /** The tag a timeout kills by (a new one when absent). */
  execId?: string;
}

/** The command's stdin, for a responder to answer a prompt on. */
export interface PromptIo {
  write(data: string | Buffer): void;
  end(): void;
}

/**
 * Follows an interactive command's output until the command itself starts: answers its prompts
 * through PromptIo, holds back what the prompting program printed, and calls startInput (given
 * at creation) once the command's own stdin may flow.
 */
export interface PromptResponder {
  readonly isStarted: boolean;
  /** Feeds stdout; returns the bytes that belong to the command. */
  stdout(chunk: Buffer): Buffer;
  /** Feeds stderr; returns the text that belongs to the command. */
  stderr(chunk: Buffer): string;
  /** stderr held back before the command started. */
  heldStderr(): string;
  /** Output seen before the command started, when it never did. */
  leftover(): Buffer;
}

export interface ContainerExecResult {
  /** Exit code; null after a timeout. */
  rc: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut?: boolean;
}

/** A new id for ContainerExec.execId. */
export function newExecId(): string {
  return randomBytes(8).toString('hex');
}

/** The command line word that marks a command's parent process. */
function tagOf(execId: string): string {
  return `playbook-exec-${execId}`;
}

/** Finds the tagged parent, adds descendants until none is new, kills them all (root, CAP_KILL). */
const KILL_TREE = `tree=""
for d in /proc/[0-9]*; do
  c=$(tr '\\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
  case "$c" in *"$PLAYBOOK_KILL_TAG"*) tree="$tree \${d#/proc/}" ;; esac
done
[ -n "$tree" ] || exit 0
while :; do
  added=""
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    case " $tree $added " in *" $p "*) continue ;; esac
    read -r s < "$d/stat" 2>/dev/null || continue
    s=\${s##*") "}
    set -- $s
    case " $tree " in *" $2 "*) added="$added $p" ;; esac
  done
  [ -n "$added" ] || break
  tree="$tree$added"
done
kill -KILL $tree 2>/dev/null
exit 0`;

/** Kills the command started with `execId` and everything it started. */
export async function killTagged(container: Docker.Container, execId: string): Promise<void> {
  // The tag travels in the environment: on the killer's own command line it would match itself.
  await execInContainer(container, { argv: ['/bin/sh', '-c', KILL_TREE], user: 'root', env: { PLAYBOOK_KILL_TAG: tagOf(execId) } });
}

/** The exit code once the engine has it (it can trail the end of the output stream briefly). */
async function exitCode(exec: Docker.Exec): Promise<number | null> {
  for (let attempt = 0; ; attempt++) {
    const info = await exec.inspect();
    if (!info.Running || attempt >= 50) return info.ExitCode ?? null;
    await new Promise((r) => setTimeout(r, 10 * Math.min(attempt + 1, 10)));
  }
}

function collect(socket: Duplex, spec: ContainerExec, interactive: boolean, onTimeout: () => Promise<void>): Promise<{ stdout: Buffer; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    let done = false;
    const startInput = (): void => {
      if (!interactive) return;
      if (spec.stdin !== undefined) socket.write(spec.stdin);
      socket.end(); // half-close: the engine closes the command's stdin, output keeps coming
    };
    const watcher = spec.respond?.({ write: (d) => socket.write(d), end: () => socket.end() }, startInput);
    const demux = new StreamDemuxer((kind, payload) => {
      if (kind === 'stdout') out.push(watcher ? watcher.stdout(payload) : payload);
      else err += watcher ? watcher.stderr(payload) : payload.toString('utf8');
    });
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      const stdout = watcher && !watcher.isStarted ? watcher.leftover() : Buffer.concat(out);
      resolve({ stdout, stderr: (watcher?.heldStderr() ?? '') + err, timedOut });
    };
    let grace: NodeJS.Timeout | undefined;
    const timer = spec.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          // Killing the processes ends the stream; should the engine keep it open, stop waiting.
          onTimeout().catch(() => {});
          grace = setTimeout(() => socket.destroy(), 5000);
        }, spec.timeoutMs)
      : undefined;
    socket.on('data', (d: Buffer) => demux.push(d));
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', (e) => {
      if (timedOut) return finish();
      done = true;
      clearTimeout(timer);
      reject(e);
    });
    if (!watcher) startInput();
  });
}

/** Runs one command and collects its result (errors of the engine itself reject). */
export async function execInContainer(container: Docker.Container, spec: ContainerExec): Promise<ContainerExecResult> {
  const interactive = spec.stdin !== undefined || spec.respond !== undefined;
  const execId = spec.execId ?? (spec.timeoutMs ? newExecId() : undefined);
  // A parent that stays (no exec): `"$@"; exit $?` keeps dash from replacing itself by the command.
  const argv = execId ? ['/bin/sh', '-c', '"$@"; exit $?', tagOf(execId), ...spec.argv] : [...spec.argv];
  const exec = await container.exec({
    Cmd: argv,
    AttachStdin: interactive,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(spec.user !== undefined ? { User: spec.user } : {}),
    ...(spec.workingDir !== undefined ? { WorkingDir: spec.workingDir } : {}),
  });
  const socket = await exec.start({ hijack: true, stdin: interactive });
  const collected = await collect(socket, spec, interactive, () => (execId ? killTagged(container, execId) : Promise.resolve()));
  const result: ContainerExecResult = { rc: collected.timedOut ? null : await exitCode(exec), stdout: collected.stdout, stderr: collected.stderr };
  if (collected.timedOut) result.timedOut = true;
  return result;
}
