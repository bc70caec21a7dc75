/**
 * Shell scripts that command-channel connections (ssh exec, docker exec) run for the Connection
 * operations, so every such transport behaves the same: the task's cwd and environment, reading a
 * file exactly, and the atomic write through a temp file and a rename.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { join as quoteArgv, quote } from '../python/shlex.js';
import type { ExecOptions, FileAttributes } from './types.js';

/** Exit code of readFileScript when the file does not exist. */
export const MISSING_FILE_RC = 99;

/**
 * The script for Connection.exec: `cd` to the cwd (failing with rc 1 when it is missing), export
 * the environment, then `exec` the command (argv as is, a string through /bin/sh -c or `executable`).
 */
export function commandScript(command: string | readonly string[], options: Pick<ExecOptions, 'cwd' | 'env' | 'executable'> = {}): string {
  const body = typeof command === 'string' ? `${quote(options.executable ?? '/bin/sh')} -c ${quote(command)}` : quoteArgv(command);
  const prefix: string[] = [];
  // -P: the working directory as the program sees it is the resolved path (Python's chdir gives Ansible's modules the same).
  if (options.cwd !== undefined) prefix.push(`cd -P ${quote(options.cwd)} || exit 1`);
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) prefix.push(`${k}=${quote(v)}; export ${k}`);
  }
  return [...prefix, `exec ${body}`].join('\n');
}

/** Prints the file's bytes; exits MISSING_FILE_RC when it does not exist. */
export function readFileScript(file: string): string {
  return `if [ ! -e ${quote(file)} ]; then exit ${MISSING_FILE_RC}; fi\nexec cat -- ${quote(file)}`;
}

/** A temp name in the target's own directory (a rename is atomic only within one file system). */
export function tempPathFor(file: string): string {
  return path.posix.join(path.posix.dirname(file), `.${path.posix.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** `chown -- owner:group <path>` for the attributes that name an owner or group, else undefined. */
export function chownCommand(target: string, attributes: FileAttributes): string | undefined {
  if (attributes.owner === undefined && attributes.group === undefined) return undefined;
  return `chown -- ${quote(`${attributes.owner ?? ''}${attributes.group !== undefined ? ':' + attributes.group : ''}`)} ${quote(target)}`;
}

/**
 * Settles a finished temp file and moves it over the target; removes the temp on failure. A file
 * replaced keeps its extended attributes and ACL (Ansible's atomic_move copies them with
 * shutil.copystat): they are copied from the old file first (best effort: a cp without
 * --attributes-only, or attributes the user may not read, leave the new file without them), then
 * the mode and owner asked for are set.
 */
export function commitScript(tmp: string, file: string, attributes: FileAttributes): string {
  const mode = (attributes.mode ?? 0o644).toString(8);
  const chown = chownCommand(tmp, attributes);
  return [
    `if [ -e ${quote(file)} ]; then cp --attributes-only --preserve=mode,xattr -- ${quote(file)} ${quote(tmp)} 2>/dev/null || :; fi`,
    `chmod ${mode} ${quote(tmp)} && ${chown ? `${chown} && ` : ''}mv -f -- ${quote(tmp)} ${quote(file)} || { rc=$?; rm -f -- ${quote(tmp)}; exit $rc; }`,
  ].join('\n');
}

/** The whole atomic write from stdin: temp file (private while written), attributes, rename. */
export function writeFromStdinScript(tmp: string, file: string, attributes: FileAttributes): string {
  return [`umask 077`, `cat > ${quote(tmp)} || { rc=$?; rm -f -- ${quote(tmp)}; exit $rc; }`, commitScript(tmp, file, attributes)].join('\n');
}
