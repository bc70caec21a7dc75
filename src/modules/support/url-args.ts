/** The options of Ansible's url_argument_spec and url_redirect_argument_spec (uri, get_url), and what they share. */
import type { ArgumentOption } from '../args.js';
import { parseModeArg } from './mode.js';

export const URL_OPTIONS = {
  url: { type: 'str', required: true },
  force: { type: 'bool', default: false },
  http_agent: { type: 'str', default: 'ansible-httpget' },
  use_proxy: { type: 'bool', default: true },
  validate_certs: { type: 'bool', default: true },
  url_username: { type: 'str', aliases: ['user'] },
  url_password: { type: 'str', aliases: ['password'], noLog: true },
  force_basic_auth: { type: 'bool', default: false },
  client_cert: { type: 'path' },
  client_key: { type: 'path' },
  use_gssapi: { type: 'bool', default: false },
} as const satisfies Record<string, ArgumentOption>;

export const REDIRECT_OPTION = {
  follow_redirects: { type: 'str', default: 'safe', choices: ['all', 'no', 'none', 'safe', 'urllib2', 'yes'] },
} as const satisfies Record<string, ArgumentOption>;

/** An octal mode for the program on the host, or a message: a symbolic mode needs the file's current mode, which only the host has. */
export function octalMode(module: string, raw: unknown): { mode: number | null } | { error: string } {
  let request;
  try {
    request = parseModeArg(raw);
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (request === undefined) return { mode: null };
  if ('octal' in request) return { mode: request.octal };
  return { error: `${module}: symbolic mode '${request.symbolic}' is not supported here; give the mode in octal (e.g. '0644')` };
}
