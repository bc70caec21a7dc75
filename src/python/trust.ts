/**
 * Ansible 2.19's TrustedAsTemplate data tag, kept by value. Ansible tags the strings it loads from
 * what the user wrote (playbooks, roles, vars files, inventories, extra vars) as trusted; a string
 * a template or a module produced carries no tag, and is never evaluated as an expression (a
 * conditional made of it fails as "Encountered untrusted template or expression.").
 *
 * JavaScript strings cannot carry a tag, so the loaders record the text they read here, and a
 * string is trusted when the same text was loaded. The one way this differs from Ansible: a
 * produced string equal to some loaded text counts as trusted.
 */
import { isDict } from './values.js';

const trusted = new Set<string>();
/** Text loaded as `!unsafe`: never trusted, wherever the same text appears. */
const unsafe = new Set<string>();

/**
 * Records text loaded as `!unsafe` (Ansible's unsafe values are never trusted as templates); the
 * same text loaded as written elsewhere stays trusted (trust is by value).
 */
export function neverTrust(text: string): string {
  unsafe.add(text);
  return text;
}

/** Records every string in a loaded value (keys, list items, mapping values, nested), and gives the value back. */
export function trustLoaded<T>(value: T): T {
  const visit = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      if (!unsafe.has(v)) trusted.add(v);
    }
    else if (depth > 64) return;
    else if (Array.isArray(v)) for (const item of v) visit(item, depth + 1);
    else if (v instanceof Map) {
      for (const [k, item] of v) {
        visit(k, depth + 1);
        visit(item, depth + 1);
      }
    } else if (isDict(v)) {
      for (const [k, item] of Object.entries(v)) {
        trusted.add(k);
        visit(item, depth + 1);
      }
    }
  };
  visit(value, 0);
  return value;
}

/** Whether the text was loaded from what the user wrote (ansible._protomatter.tagged_with('TrustedAsTemplate')). */
export function isTrustedText(value: unknown): boolean {
  return typeof value === 'string' && trusted.has(value);
}
