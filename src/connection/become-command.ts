/**
 * Privilege escalation over a plain command channel (ssh exec, docker exec): the remote command
 * line for sudo or su, and the watcher that answers the password prompt. The command first echoes
 * a random marker; the password is written only when sudo/su prompts before that marker, and the
 * command's own stdin only after it, so the password never reaches the command, a command line,
 * or the output.
 */
import { randomBytes } from 'node:crypto';
import { quote } from '../python/shlex.js';
import type { Become } from './types.js';

export interface BecomeSession {
  /** The whole remote command line. */
  command: string;
  /** Echoed by the command once sudo/su let it run. */
  marker: string;
  /** What sudo/su print when they want the password. */
  prompt: RegExp;
}

/** su's prompt as util-linux and shadow print it (localised variants end in a colon too). */
const SU_PROMPT = /(?:^|\n|\s)(?:\w+'s )?(?:Password|Passwort|Mot de passe|Contraseña|密码|パスワード) ?[:：] ?$/;

/** Wraps a POSIX shell script so that it runs as `become.user`. */
export function becomeSession(script: string, become: Become): BecomeSession {
  const marker = `BECOME-SUCCESS-${randomBytes(8).toString('hex')}`;
  const inner = `echo ${marker}; ${script}`;
  if (become.method === 'su') {
    // su runs the target user's shell with -c, as Ansible's su plugin does.
    return { command: `su ${quote(become.user)} -c ${quote(`/bin/sh -c ${quote(inner)}`)}`, marker, prompt: SU_PROMPT };
  }
  const prompt = `[sudo via playbook, key=${marker}] password:`;
  return { command: `sudo -H -S -p ${quote(prompt)} -u ${quote(become.user)} /bin/sh -c ${quote(inner)}`, marker, prompt: new RegExp(prompt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) };
}

export interface BecomeIo {
  /** Writes bytes to the remote stdin. */
  write(data: string | Buffer): void;
  /** Closes the remote stdin. */
  end(): void;
}

/**
 * Follows one become'd command's output: strips the marker and the prompts, answers the first
 * prompt with the password (a second prompt means it was wrong: stdin is closed so sudo/su fail
 * instead of waiting), and hands stdin over once the marker shows.
 */
export class BecomeWatcher {
  private started = false;
  private pending = Buffer.alloc(0);
  private errText = '';
  private prompted = 0;

  constructor(
    private readonly session: BecomeSession,
    private readonly become: Become,
    private readonly io: BecomeIo,
    private readonly onStart: () => void,
  ) {}

  get isStarted(): boolean {
    return this.started;
  }

  /** Feeds stdout; returns the bytes that belong to the command. */
  stdout(chunk: Buffer): Buffer {
    if (this.started) return chunk;
    this.pending = Buffer.concat([this.pending, chunk]);
    const at = this.pending.indexOf(this.session.marker + '\n', 0, 'latin1');
    if (at < 0) return Buffer.alloc(0);
    const rest = this.pending.subarray(at + this.session.marker.length + 1);
    this.pending = Buffer.alloc(0);
    this.started = true;
    this.onStart();
    return rest;
  }

  /** Feeds stderr; returns the text that belongs to the command. Before the marker, text is held (a prompt may arrive in pieces). */
  stderr(chunk: Buffer): string {
    const text = chunk.toString('utf8');
    if (this.started) return this.heldStderr() + text;
    this.errText += text;
    for (let m = this.session.prompt.exec(this.errText); m; m = this.session.prompt.exec(this.errText)) {
      this.errText = this.errText.slice(0, m.index) + this.errText.slice(m.index + m[0].length);
      this.prompted++;
      if (this.become.password === undefined || this.prompted > 1) this.io.end();
      else this.io.write(`${this.become.password}\n`);
    }
    return '';
  }

  /** stderr held back before the marker (sudo's warnings or its refusal), prompts removed. */
  heldStderr(): string {
    const out = this.errText;
    this.errText = '';
    return out;
  }

  /** Output seen before the marker (e.g. sudo's refusal) when the command never started. */
  leftover(): Buffer {
    return this.pending;
  }
}
