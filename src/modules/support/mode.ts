/**
 * File modes as Ansible's `mode:` option takes them: an int (YAML 0644 arrives as 420), an octal
 * string ('0644', '644', '0o644') or a chmod-style symbolic string ('u=rw,g=r,o=r', 'a+X').
 * Symbolic modes are resolved in the controller against the current mode of the path, with
 * Ansible's rules (X only for directories or already-executable paths, '' meaning 'a' minus umask).
 */

export type ModeRequest = { readonly octal: number } | { readonly symbolic: string };

/** A mode that cannot be understood; `msg` and `details` are Ansible's. */
export class ModeError extends Error {
  override name = 'ModeError';
  constructor(
    readonly msg: string,
    readonly details: string,
  ) {
    super(`${msg}: ${details}`);
  }
}

const PERM_BITS = 0o7777;
const OCTAL_STRING = /^\s*\+?(?:0[oO])?[0-7](?:_?[0-7])*\s*$/;

/** Reads the raw `mode` argument; undefined when none was given. 'preserve' is the caller's job. */
export function parseModeArg(raw: unknown): ModeRequest | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'boolean') return { octal: raw ? 1 : 0 };
  if (typeof raw === 'number' && Number.isInteger(raw)) return { octal: raw };
  const text = String(raw);
  // Python's int(mode, 8): optional sign, 0o prefix and underscores between digits.
  if (OCTAL_STRING.test(text)) return { octal: parseInt(text.trim().replace(/^\+/, '').replace(/^0[oO]/, '').replace(/_/g, ''), 8) };
  return { symbolic: text };
}

/** '0%03o', as Ansible prints modes in results and diffs. */
export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** True when resolving the request needs the host's umask (a symbolic clause without u/g/o/a). */
export function modeNeedsUmask(request: ModeRequest | undefined): boolean {
  if (!request || !('symbolic' in request)) return false;
  return request.symbolic.split(',').some((clause) => /^[+=-]/.test(clause));
}

/**
 * The numeric mode `request` gives a path whose current permission bits are `current`.
 * Throws ModeError for symbolic modes Ansible rejects.
 */
export function resolveMode(request: ModeRequest, current: number, isDirectory: boolean, umask = 0o022): number {
  if ('octal' in request) return request.octal;
  let mode = current & PERM_BITS;
  for (const clause of request.symbolic.split(',')) {
    const parts = clause.split(/[+=-]/);
    const operators = clause.match(/[+=-]/g) ?? [];
    let who = parts.shift() ?? '';
    const useUmask = who === '';
    if (who === 'a' || who === '') who = 'ugo';
    if (!/^[ugo]+$/.test(who)) throw new ModeError('mode must be in octal or symbolic form', `bad symbolic permission for mode: ${clause}`);
    parts.forEach((perms, index) => {
      if (!/^[rwxXstugo]*$/.test(perms)) throw new ModeError('mode must be in octal or symbolic form', `bad symbolic permission for mode: ${clause}`);
      for (const user of who) {
        const bits = permissionBits(user as Who, perms, mode, isDirectory, useUmask ? umask : 0);
        mode = applyOperator(user as Who, operators[index] ?? '=', bits, mode);
      }
    });
  }
  if (mode !== (mode & PERM_BITS)) throw new ModeError('Invalid mode supplied, only permission info is allowed', String(mode));
  return mode;
}

type Who = 'u' | 'g' | 'o';

const SHIFT: Record<Who, number> = { u: 6, g: 3, o: 0 };

function permissionBits(user: Who, perms: string, previous: number, isDirectory: boolean, umask: number): number {
  const allowed = ~umask & PERM_BITS;
  const shift = SHIFT[user];
  const applyX = isDirectory || (previous & 0o111) !== 0;
  let bits = 0;
  for (const p of perms) {
    switch (p) {
      case 'r':
        bits |= (0o4 << shift) & allowed;
        break;
      case 'w':
        bits |= (0o2 << shift) & allowed;
        break;
      case 'x':
        bits |= (0o1 << shift) & allowed;
        break;
      case 'X':
        if (applyX) bits |= 0o1 << shift;
        break;
      case 's':
        bits |= user === 'u' ? 0o4000 : user === 'g' ? 0o2000 : 0;
        break;
      case 't':
        bits |= user === 'o' ? 0o1000 : 0;
        break;
      default: {
        // u, g, o: copy that class's current rwx bits to this class.
        const from = (previous >> SHIFT[p as Who]) & 0o7;
        bits |= from << shift;
      }
    }
  }
  return bits;
}

function applyOperator(user: Who, operator: string, bits: number, current: number): number {
  if (operator === '+') return current | bits;
  if (operator === '-') return current & ~bits;
  const mask = user === 'u' ? 0o4700 : user === 'g' ? 0o2070 : 0o1007;
  return (current & (mask ^ PERM_BITS)) | bits;
}
