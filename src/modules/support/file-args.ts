/** The options every file-writing module shares (AnsibleModule's FILE_COMMON_ARGUMENTS). */
import type { ArgumentOption } from '../args.js';
import type { WantedAttributes } from './attributes.js';
import { parseModeArg } from './mode.js';

// `as const satisfies`: the literal types survive the spread into a module's spec, so its
// arguments' types are inferred from them.
export const FILE_COMMON_OPTIONS = {
  mode: { type: 'raw' },
  owner: { type: 'str' },
  group: { type: 'str' },
  // Accepted so playbooks that set them still run; SELinux contexts and chattr flags are not applied.
  seuser: { type: 'str' },
  serole: { type: 'str' },
  selevel: { type: 'str' },
  setype: { type: 'str' },
  attributes: { type: 'str', aliases: ['attr'] },
  unsafe_writes: { type: 'bool', default: false },
} as const satisfies Record<string, ArgumentOption>;

/** The owner/group/mode a task asks for ('preserve' must be replaced by the caller first). */
export function wantedAttributes(args: { mode: unknown; owner: string | null; group: string | null }): WantedAttributes {
  return { mode: parseModeArg(args.mode), owner: args.owner, group: args.group };
}

/** The options of the `validate` fragment. */
export const VALIDATE_OPTION = { validate: { type: 'str' } } as const satisfies Record<string, ArgumentOption>;
