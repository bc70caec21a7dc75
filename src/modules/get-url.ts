/**
 * ansible.builtin.get_url: a file downloaded on the host (http, https, ftp, file URLs) to dest (a
 * file, or a directory where the name comes from Content-Disposition or the URL), in one round
 * trip. As Ansible: with a checksum (`algo:hex`, or `algo:URL` of a checksum file) an existing dest
 * that matches is left alone without a request; without one, an existing dest is asked for with
 * If-Modified-Since unless force; the download goes to a temp file beside dest (or in tmp_dest), is
 * checked against the checksum (a mismatch fails and leaves nothing), then renamed over dest, so an
 * interruption never leaves half a file. mode/owner/group, backup, check mode (a HEAD request).
 * Results as Ansible's: checksum_dest, checksum_src, dest, elapsed, md5sum, msg, src, status_code,
 * url, and dest's uid, gid, owner, group, mode, state, size.
 */
import { defineModule } from './define.js';
import { FILE_COMMON_OPTIONS } from './support/file-args.js';
import { GET_URL_PY } from './support/http-script.js';
import { runRemotePython } from './support/remote-python.js';
import { URL_OPTIONS, octalMode } from './support/url-args.js';

export default defineModule({
  name: 'get_url',
  supportsCheckMode: true,
  spec: {
    options: {
      ...URL_OPTIONS,
      url_username: { type: 'str', aliases: ['username'] },
      url_password: { type: 'str', aliases: ['password'], noLog: true },
      ...FILE_COMMON_OPTIONS,
      dest: { type: 'path', required: true },
      backup: { type: 'bool', default: false },
      checksum: { type: 'str', default: '' },
      timeout: { type: 'int', default: 10 },
      headers: { type: 'dict' },
      tmp_dest: { type: 'path' },
      unredirected_headers: { type: 'list', elements: 'str', default: [] },
      decompress: { type: 'bool', default: true },
      ciphers: { type: 'list', elements: 'str' },
      use_netrc: { type: 'bool', default: true },
    },
  },
  async run(args, ctx) {
    if (args.use_gssapi) return { changed: false, failed: true, msg: 'get_url: use_gssapi is not supported here' };
    const mode = octalMode('get_url', args.mode);
    if ('error' in mode) return { changed: false, failed: true, msg: mode.error };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(args.headers ?? {})) headers[k] = typeof v === 'string' ? v : String(v);
    // get_url follows redirects as urllib does (Ansible passes no follow_redirects of its own).
    const input = { ...args, headers, mode: mode.mode, follow_redirects: 'urllib2', check_mode: ctx.checkMode };
    // A checksum URL and the file are two requests, each with its own timeout.
    return runRemotePython(ctx, 'get_url', GET_URL_PY, input, (2 * args.timeout + 300) * 1000);
  },
});
