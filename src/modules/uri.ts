/**
 * ansible.builtin.uri: an HTTP request made on the host (which reaches the intranet; the controller
 * may not), in one round trip, with Ansible's result: status, url, redirected, elapsed, msg
 * ("OK (N bytes)"), every response header as a key (lowercased, dashes as underscores), cookies,
 * `json` when the body is JSON, `content` with return_content, `path` with dest. A status outside
 * status_code fails with "Status code was N and not [...]: ...". The request is Python's urllib on
 * the host, as Ansible's (support/http-script.ts says why not curl).
 */
import { isDict } from '../python/values.js';
import { defineModule } from './define.js';
import { FILE_COMMON_OPTIONS } from './support/file-args.js';
import { URI_PY } from './support/http-script.js';
import { runRemotePython } from './support/remote-python.js';
import { REDIRECT_OPTION, URL_OPTIONS, octalMode } from './support/url-args.js';

/** Python's urlencode(doseq=True) of Ansible's form_urlencoded: a mapping or a list of pairs, list values repeated. */
export function formUrlencoded(body: unknown): string {
  if (typeof body === 'string') return body;
  const pairs: [string, unknown][] = Array.isArray(body) ? body.map((p) => (Array.isArray(p) ? [String(p[0]), p[1]] : [String(p), ''])) : isDict(body) ? Object.entries(body as Record<string, unknown>) : [];
  const quote = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*~]/g, (c) => (c === '~' ? c : `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  const text = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v));
  const out: string[] = [];
  for (const [key, values] of pairs) {
    for (const value of Array.isArray(values) ? values : [values]) {
      if (value === null || value === undefined) continue;
      out.push(`${quote(key)}=${quote(text(value))}`);
    }
  }
  return out.join('&');
}

/** Python's json.dumps (', ' and ': ' separators, non-ASCII escaped), as Ansible serialises a json body. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
  return JSON.stringify(String(value));
}

export default defineModule({
  name: 'uri',
  // As in Ansible: uri has no check mode, so --check skips it.
  supportsCheckMode: false,
  spec: {
    options: {
      ...URL_OPTIONS,
      ...REDIRECT_OPTION,
      ...FILE_COMMON_OPTIONS,
      dest: { type: 'path' },
      body: { type: 'raw' },
      body_format: { type: 'str', default: 'raw', choices: ['form-urlencoded', 'json', 'raw', 'form-multipart'] },
      src: { type: 'path' },
      method: { type: 'str', default: 'GET' },
      return_content: { type: 'bool', default: false },
      creates: { type: 'path' },
      removes: { type: 'path' },
      status_code: { type: 'list', elements: 'int', default: [200] },
      timeout: { type: 'int', default: 30 },
      headers: { type: 'dict', default: {} },
      unix_socket: { type: 'path' },
      remote_src: { type: 'bool', default: false },
      ca_path: { type: 'path' },
      unredirected_headers: { type: 'list', elements: 'str', default: [] },
      decompress: { type: 'bool', default: true },
      ciphers: { type: 'list', elements: 'str' },
      use_netrc: { type: 'bool', default: true },
    },
    mutuallyExclusive: [['body', 'src']],
  },
  controllerPaths: (args) => (args.remote_src ? [] : ['src']),
  async run(args, ctx) {
    const method = args.method.toUpperCase();
    if (!/^[A-Z]+$/.test(method)) return { changed: false, failed: true, msg: "Parameter 'method' needs to be a single word in uppercase, like GET or POST." };
    if (args.unix_socket !== null) return { changed: false, failed: true, msg: 'uri: unix_socket is not supported here' };
    if (args.use_gssapi) return { changed: false, failed: true, msg: 'uri: use_gssapi is not supported here' };
    const mode = octalMode('uri', args.mode);
    if ('error' in mode) return { changed: false, failed: true, msg: mode.error };

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(args.headers)) headers[k] = typeof v === 'string' ? v : String(v);
    const hasContentType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    let body: string | null = null;
    const format = args.body_format.toLowerCase();
    if (format === 'json') {
      body = args.body === null || typeof args.body !== 'string' ? pythonJson(args.body) : args.body;
      if (!hasContentType) headers['Content-Type'] = 'application/json';
    } else if (format === 'form-urlencoded') {
      body = formUrlencoded(args.body);
      if (!hasContentType) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else if (format === 'form-multipart') {
      return { changed: false, failed: true, msg: 'uri: body_format form-multipart is not supported here; send the body as raw with its Content-Type' };
    } else if (args.body !== null) {
      body = typeof args.body === 'string' ? args.body : pythonJson(args.body);
    }
    // src is read on the host with remote_src; otherwise it is the controller's file, sent as the body.
    let src: string | null = null;
    if (args.src !== null) {
      if (args.remote_src) src = args.src;
      else {
        const local = ctx.findFile('files', args.src);
        if (!local) return { changed: false, failed: true, msg: `Could not find or access '${args.src}' on the Ansible Controller.` };
        const { readFileSync } = await import('node:fs');
        body = readFileSync(local).toString('base64');
      }
    }
    const input = {
      ...args,
      method,
      headers,
      mode: mode.mode,
      src,
      body: undefined,
      body_b64: body === null ? null : args.src !== null && !args.remote_src ? body : Buffer.from(body, 'utf8').toString('base64'),
    };
    const result = await runRemotePython(ctx, 'uri', URI_PY, input, (args.timeout + 60) * 1000);
    return result;
  },
});
