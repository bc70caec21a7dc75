/**
 * Passphrases for encrypted private keys: from PLAYBOOK_SSH_KEY_PASSPHRASE (set by the caller into
 * SshOptions), else asked once per key file on the controlling terminal, without echo. Without a
 * terminal nobody can answer, so the key is skipped and the reason reported.
 */
import { openSync } from 'node:fs';
import { ReadStream } from 'node:tty';

const asked = new Map<string, Promise<string | undefined>>();

/** Reads a line from the controlling terminal without echo; undefined without a terminal or on Ctrl-C/Ctrl-D. */
export function readHidden(prompt: string): Promise<string | undefined> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const input = new ReadStream(fd);
    input.setRawMode(true); // before the prompt, so that a quick answer is not echoed
    process.stderr.write(prompt);
    let answer = '';
    const done = (value: string | undefined): void => {
      input.setRawMode(false);
      input.removeAllListeners('data');
      input.destroy();
      process.stderr.write('\n');
      resolve(value);
    };
    input.on('data', (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(answer);
        if (ch === '\u0003' || ch === '\u0004') return done(undefined); // Ctrl-C / Ctrl-D
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    });
  });
}

/** The passphrase for `file`, asked at most once per run; undefined when there is no terminal. */
export function askPassphrase(file: string): Promise<string | undefined> {
  let answer = asked.get(file);
  if (!answer) {
    answer = process.stdin.isTTY ? readHidden(`Enter passphrase for key '${file}': `) : Promise.resolve(undefined);
    asked.set(file, answer);
  }
  return answer;
}
