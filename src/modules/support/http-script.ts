/**
 * The programs that make HTTP requests on the host for uri and get_url (run by runRemotePython).
 * On the host, because the nodes reach the intranet mirror and the controller may not. Python's
 * urllib, not curl: it is what Ansible's fetch_url is built on, so redirects (follow_redirects
 * safe/all/none/urllib2), basic and digest authentication, certificate checks, the response
 * headers (lowercased, repeated ones joined with ", ") and the messages ("OK (N bytes)", "HTTP
 * Error 404: Not Found", "Request failed: <urlopen error ...>") come out as Ansible's do; and every
 * host Ansible manages has a python3, while curl is missing from minimal images.
 */

/** request(p): the request of the module's arguments p; returns (response or None, info) as fetch_url does. */
const HTTP_LIB = String.raw`
import base64, binascii, hashlib, json, os, re, shutil, socket, ssl, stat, sys, tempfile, time
import http.client, http.cookiejar, urllib.error, urllib.parse, urllib.request

def finish(result):
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()
    sys.exit(0)

def expand(path):
    return os.path.expanduser(os.path.expandvars(path)) if path else path

def mask_url(url):
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace('%s:%s@' % (parts.username, parts.password), '%s:********@' % parts.username)
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url

class Redirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, follow):
        self.follow = follow
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        follow = self.follow
        if follow in ('urllib2', 'urllib'):
            return urllib.request.HTTPRedirectHandler.redirect_request(self, req, fp, code, msg, headers, newurl)
        if follow in ('no', 'none'):
            raise urllib.error.HTTPError(newurl, code, msg, headers, fp)
        method = req.get_method()
        if follow in ('all', 'yes'):
            if code < 300 or code >= 400:
                raise urllib.error.HTTPError(req.get_full_url(), code, msg, headers, fp)
        elif follow == 'safe':
            if code < 300 or code >= 400 or method not in ('GET', 'HEAD'):
                raise urllib.error.HTTPError(req.get_full_url(), code, msg, headers, fp)
        else:
            raise urllib.error.HTTPError(req.get_full_url(), code, msg, headers, fp)
        data = req.data
        newurl = newurl.replace(' ', '%20')
        if code in (307, 308):
            req_headers = req.headers
        else:
            data = None
            req_headers = dict((k, v) for k, v in req.headers.items() if k.lower() not in ('content-length', 'content-type', 'transfer-encoding'))
            if code in (302, 303) and method != 'HEAD':
                method = 'GET'
            if code == 301 and method == 'POST':
                method = 'GET'
        return urllib.request.Request(newurl, data=data, headers=req_headers, origin_req_host=req.origin_req_host, unverifiable=True, method=method.upper())
    http_error_308 = urllib.request.HTTPRedirectHandler.http_error_302

def request(p, data=None, headers=None, method=None, last_mod_time=None):
    url = p['url']
    headers = dict(headers if headers is not None else (p.get('headers') or {}))
    cookies = http.cookiejar.CookieJar()
    info = {'url': mask_url(url), 'status': -1}
    username, password = p.get('url_username'), p.get('url_password')
    parts = urllib.parse.urlsplit(url)
    if parts.username is not None and username is None:
        username, password = urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or '')
        url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.split('@', 1)[1]))
    handlers = [Redirects(p.get('follow_redirects') or 'urllib2'), urllib.request.HTTPCookieProcessor(cookies)]
    if username is not None:
        if p.get('force_basic_auth'):
            headers['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % (username, password or '')).encode()).decode()
        else:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, '%s://%s' % (parts.scheme, parts.netloc.split('@', 1)[-1]), username, password or '')
            handlers += [urllib.request.HTTPBasicAuthHandler(manager), urllib.request.HTTPDigestAuthHandler(manager)]
    if not p.get('use_proxy', True):
        handlers.append(urllib.request.ProxyHandler({}))
    if parts.scheme == 'https':
        context = ssl.create_default_context(cafile=expand(p.get('ca_path')) or None)
        if not p.get('validate_certs', True):
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if p.get('client_cert'):
            context.load_cert_chain(expand(p['client_cert']), expand(p.get('client_key')) or None)
        if p.get('ciphers'):
            context.set_ciphers(':'.join(p['ciphers']))
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, data=data, method=(method or p.get('method') or 'GET').upper())
    req.add_header('User-Agent', p.get('http_agent') or 'ansible-httpget')
    # As Ansible's Request.open: force asks caches for a fresh copy, otherwise an existing file's mtime asks if it changed.
    if p.get('force'):
        req.add_header('cache-control', 'no-cache')
    elif last_mod_time is not None:
        req.add_header('If-Modified-Since', time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime(last_mod_time)))
    unredirected = [h.lower() for h in (p.get('unredirected_headers') or [])]
    for name, value in headers.items():
        if name.lower() in unredirected:
            req.add_unredirected_header(name, str(value))
        else:
            req.add_header(name, str(value))
    r = None
    try:
        r = opener.open(req, timeout=p.get('timeout') or 10)
        info.update(dict((k.lower(), v) for k, v in r.info().items()))
        joined = {}
        for name, value in r.headers.items():
            name = name.lower()
            joined[name] = joined[name] + ', ' + value if name in joined else value
        info.update(joined)
        info['cookies_string'] = '; '.join('%s=%s' % (c.name, c.value) for c in cookies)
        info['cookies'] = dict((c.name, c.value) for c in cookies)
        info.update(msg='OK (%s bytes)' % r.headers.get('Content-Length', 'unknown'), url=mask_url(r.geturl()), status=r.code)
    except urllib.error.HTTPError as e:
        r = e
        try:
            body = e.read() if e.fp is not None else b''
        except Exception:
            body = b''
        try:
            info.update(dict((k.lower(), v) for k, v in e.info().items()))
        except Exception:
            pass
        info.update(msg=str(e), body=body, status=e.code)
    except urllib.error.URLError as e:
        info.update(msg='Request failed: %s' % e, status=int(getattr(e, 'code', -1)))
    except (ConnectionError, ValueError) as e:
        info.update(msg=str(e), failed=True)
    except OSError as e:
        info.update(msg='Connection failure: %s' % e, status=-1)
    except http.client.BadStatusLine as e:
        info.update(msg='Connection failure: connection was closed before a valid response was received: %s' % e.line, status=-1)
    except Exception as e:
        info.update(msg='An unknown error occurred: %s' % e, status=-1)
    return r, info

def content_type(r):
    header = r.headers.get('Content-Type', '') if r is not None and getattr(r, 'headers', None) is not None else ''
    if not header:
        return 'application/octet-stream', 'application', 'octet-stream', 'utf-8'
    main = header.split(';')[0].strip()
    mt, _, st = main.partition('/')
    charset = 'utf-8'
    m = re.search(r'charset=([^;\s]+)', header)
    if m:
        charset = m.group(1).strip('"')
    return main, mt, st, charset

def set_attributes(path, p, changed, dry=False):
    mode, owner, group = p.get('mode'), p.get('owner'), p.get('group')
    st = os.lstat(path)
    if owner is not None or group is not None:
        import grp, pwd
        uid = -1 if owner is None else (int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid)
        gid = -1 if group is None else (int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid)
        if (uid != -1 and uid != st.st_uid) or (gid != -1 and gid != st.st_gid):
            if not dry:
                os.lchown(path, uid, gid)
            changed = True
    if mode is not None:
        wanted = int(str(mode), 8) if isinstance(mode, str) else int(mode)
        if stat.S_IMODE(st.st_mode) != wanted:
            if not dry:
                os.chmod(path, wanted)
            changed = True
    return changed

def path_info(path):
    import grp, pwd
    st = os.lstat(path)
    try:
        owner = pwd.getpwuid(st.st_uid)[0]
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid)[0]
    except KeyError:
        group = str(st.st_gid)
    kind = 'link' if os.path.islink(path) else 'directory' if os.path.isdir(path) else 'hard' if os.stat(path).st_nlink > 1 else 'file'
    return {'uid': st.st_uid, 'gid': st.st_gid, 'owner': owner, 'group': group, 'mode': '0%03o' % stat.S_IMODE(st.st_mode), 'state': kind, 'size': st.st_size}

def file_digest(path, algorithm='sha1'):
    h = hashlib.new(algorithm)
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(65536), b''):
            h.update(block)
    return h.hexdigest()

def response_filename(r):
    # As Ansible's get_response_filename: Content-Disposition's filename, else the last part of the URL's path.
    filename = r.headers.get_param('filename', header='content-disposition') if getattr(r, 'headers', None) is not None else None
    if filename:
        return os.path.basename(filename)
    name = os.path.basename(urllib.parse.urlparse(r.geturl())[2].rstrip('/'))
    return urllib.parse.unquote(name) if name else None
`;

/** uri: the request, its response as Ansible's result (headers as keys, json, content, dest). */
export const URI_PY = `${HTTP_LIB}
p = json.load(sys.stdin)
creates, removes, dest = expand(p['creates']), expand(p['removes']), expand(p['dest'])
# stdout_lines as Ansible's executor adds them to any result with stdout.
if creates is not None and os.path.exists(creates):
    skipped = "skipped, since '%s' exists" % p['creates']
    finish({'stdout': skipped, 'stdout_lines': [skipped], 'changed': False})
if removes is not None and not os.path.exists(removes):
    skipped = "skipped, since '%s' does not exist" % p['removes']
    finish({'stdout': skipped, 'stdout_lines': [skipped], 'changed': False})

body = p['body_b64']
data = base64.b64decode(body) if body is not None else None
if p.get('src'):
    try:
        with open(expand(p['src']), 'rb') as f:
            data = f.read()
    except OSError:
        finish({'failed': True, 'msg': 'Unable to open source file %s' % p['src'], 'elapsed': 0})
status_codes = p['status_code']
start = time.time()
last_mod = os.path.getmtime(dest) if dest is not None and os.path.isfile(dest) else None
r, info = request(p, data=data, headers=p['headers'], method=p['method'], last_mod_time=last_mod)
if info.pop('failed', False):
    finish(dict(info, failed=True))
elapsed = int(time.time() - start)
if r is not None and dest is not None and os.path.isdir(dest):
    dest = os.path.join(dest, response_filename(r) or 'index.html')
ctype, main_type, sub_type, charset = content_type(r) if r is not None and getattr(r, 'fp', None) is not None else ('application/octet-stream', 'application', 'octet-stream', 'utf-8')
suffix = sub_type.partition('+')[2] if '+' in sub_type else sub_type
maybe_json = bool(ctype) and suffix.lower() in ('json', 'javascript')
content = None
failed_response = r is None or isinstance(r, urllib.error.HTTPError)
if maybe_json or p['return_content'] or info['status'] not in status_codes:
    if failed_response:
        content = info.pop('body', b'')
    else:
        try:
            content = r.read()
        except http.client.HTTPException as e:
            finish({'failed': True, 'msg': 'HTTP Error while fetching %s: %s' % (mask_url(p['url']), e)})
elif not failed_response:
    content = r.read()
if isinstance(info.get('body'), bytes):
    info['body'] = info['body'].decode('utf-8', 'replace')
resp = {'redirected': info['url'] != mask_url(p['url'])}
resp.update(info)
resp['elapsed'] = elapsed
resp['status'] = int(resp['status'])
resp['changed'] = False
if r is not None and dest is not None:
    if resp['status'] in status_codes and resp['status'] != 304:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest) or '.', prefix='.playbook-uri-')
        with os.fdopen(fd, 'wb') as f:
            f.write(content or b'')
        if not os.path.exists(dest) or file_digest(tmp) != file_digest(dest):
            # As Ansible's atomic_move: a file replaced keeps its mode and owner, a new one gets 0666 less the umask.
            if os.path.exists(dest):
                st = os.stat(dest)
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
                try:
                    os.chown(tmp, st.st_uid, st.st_gid)
                except OSError:
                    pass
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
            os.rename(tmp, dest)
        else:
            os.unlink(tmp)
        resp['changed'] = set_attributes(dest, p, True)
    resp['path'] = dest
out = {}
for key, value in resp.items():
    out[key.replace('-', '_').lower()] = value
if 'location' in out:
    out['location'] = urllib.parse.urljoin(mask_url(p['url']), out['location'])
text = None
if isinstance(content, bytes):
    try:
        text = content.decode(charset, 'replace')
    except LookupError:
        text = content.decode('utf-8', 'replace')
    if maybe_json:
        try:
            out['json'] = json.loads(text)
        except Exception:
            pass
if out.get('path') and os.path.exists(out['path']):
    out.update(path_info(out['path']))
if resp['status'] not in status_codes:
    out['msg'] = 'Status code was %s and not %s: %s' % (resp['status'], status_codes, out.get('msg', ''))
    out['failed'] = True
if p['return_content'] or (resp['status'] not in status_codes and p['return_content']):
    out['content'] = text
finish(out)
`;

/** get_url: the download into a temp file beside dest (or in tmp_dest), checked, then renamed over dest. */
export const GET_URL_PY = `${HTTP_LIB}
import email.message, hashlib

p = json.load(sys.stdin)
url, dest, force, checksum, check_mode = p['url'], expand(p['dest']), p['force'], p['checksum'] or '', p['check_mode']
tmp_dest = expand(p['tmp_dest'])
result = {'changed': False, 'checksum_dest': None, 'checksum_src': None, 'dest': dest, 'elapsed': 0, 'url': mask_url(url)}

def fail(**kw):
    out = dict(result)
    out.update(kw)
    out['failed'] = True
    finish(with_path(out))

def fail_request(**kw):
    # As Ansible's url_get: only what it names, not the result so far.
    finish(with_path(dict(kw, changed=False, failed=True)))

def with_path(out):
    d = out.get('dest')
    if d and os.path.exists(d):
        out.update(path_info(d))
    return out

def digest(path, algorithm):
    try:
        return checksum_of(path, algorithm)
    except ValueError:
        fail(msg="Could not hash file '%s' with algorithm '%s'. Available algorithms: %s" % (path, algorithm, ', '.join(sorted(hashlib.algorithms_available))))

def checksum_of(path, algorithm):
    return file_digest(path, algorithm)

def url_filename(u):
    fn = os.path.basename(urllib.parse.urlsplit(u)[2])
    return fn or 'index.html'

def url_get(u, last_mod_time, method='GET'):
    start = time.time()
    q = dict(p, url=u)
    r, info = request(q, headers=p['headers'] or {}, method=method, last_mod_time=last_mod_time)
    elapsed = int(time.time() - start)
    if info.pop('failed', False):
        fail_request(msg=info['msg'], elapsed=elapsed)
    if info['status'] == 304:
        finish(with_path(dict(url=mask_url(u), dest=dest, changed=False, msg=info.get('msg', ''), status_code=info['status'], elapsed=elapsed)))
    if info['status'] == -1:
        fail_request(msg=info['msg'], url=mask_url(u), dest=dest, elapsed=elapsed)
    if info['status'] != 200 and not u.startswith('file:/') and not (u.startswith('ftp:/') and info.get('msg', '').startswith('OK')):
        fail_request(msg='Request failed', status_code=info['status'], response=info['msg'], url=mask_url(u), dest=dest, elapsed=elapsed)
    where = tmp_dest
    if where:
        if not os.path.isdir(where):
            if os.path.exists(where):
                fail_request(msg='%s is a file but should be a directory.' % where, elapsed=elapsed)
            fail_request(msg='%s directory does not exist.' % where, elapsed=elapsed)
    else:
        # Beside dest, so that the final rename is atomic (same filesystem).
        where = dest if os.path.isdir(dest) else os.path.dirname(dest) or '.'
        if not os.path.isdir(where):
            where = tempfile.gettempdir()
    fd, tempname = tempfile.mkstemp(dir=where, prefix='.playbook-get_url-')
    with os.fdopen(fd, 'wb') as f:
        try:
            shutil.copyfileobj(r, f)
        except Exception as e:
            os.remove(tempname)
            fail_request(msg='failed to create temporary content file: %s' % e, elapsed=elapsed)
    r.close()
    if not check_mode and 'content-length' in info and info.get('content-encoding') != 'gzip':
        size, cl = os.stat(tempname).st_size, int(info['content-length'])
        if size != cl:
            os.remove(tempname)
            fail_request(msg='Incomplete read, (cl=%d, st.st_size=%d) failed to read remaining %d bytes' % (cl, size, cl - size))
    return tempname, info

def parse_digest_lines(filename, lines):
    found = []
    bsd = re.compile(r'^(\\w+) ?\\((?P<path>.+)\\) ?= (?P<digest>[\\w.]+)$')
    gnu = re.compile(r'^(?P<digest>[\\w.]+)\\s+(\\*|\\.\\/|\\.)?(?P<path>.+)$')
    if len(lines) == 1 and len(lines[0].split()) == 1:
        return [(lines[0], filename)]
    for line in lines:
        m = bsd.match(line)
        if m:
            found.append((m.group('digest'), m.group('path')))
            continue
        m = gnu.match(line)
        if m:
            found.append((m.group('digest'), m.group('path').lstrip('./')))
    return found

dest_is_dir = os.path.isdir(dest)
last_mod_time = None
algorithm = None
if checksum:
    try:
        algorithm, checksum = checksum.split(':', 1)
    except ValueError:
        fail(msg='The checksum parameter has to be in format <algorithm>:<checksum>')
    if urllib.parse.urlsplit(checksum).scheme in ('http', 'https', 'ftp', 'file'):
        checksum_url = checksum
        tmp, _ = url_get(checksum_url, None)
        with open(tmp) as f:
            lines = [line.rstrip('\\n') for line in f]
        os.remove(tmp)
        filename = url_filename(url)
        checksum = next((c for c, f in parse_digest_lines(filename, lines) if f == filename), None)
        if checksum is None:
            finish({'failed': True, 'msg': "Unable to find a checksum for file '%s' in '%s'" % (filename, mask_url(checksum_url))})
    checksum = re.sub(r'\\W+', '', checksum).lower()
    try:
        int(checksum, 16)
    except ValueError:
        fail(msg='The checksum format is invalid')

if not dest_is_dir and os.path.exists(dest):
    mismatch = False
    if not force and checksum != '':
        if checksum != digest(dest, algorithm):
            mismatch = True
    if not force and checksum and not mismatch:
        changed = set_attributes(dest, p, False, dry=check_mode)
        result['changed'] = changed
        finish(with_path(dict(result, msg='file already exists but file attributes changed' if changed else 'file already exists')))
    last_mod_time = os.path.getmtime(dest)
    if mismatch:
        force = True
        p['force'] = True

start = time.time()
tmpsrc, info = url_get(url, last_mod_time, 'HEAD' if check_mode else 'GET')
result['elapsed'] = int(time.time() - start)
result['src'] = tmpsrc
if dest_is_dir:
    message = email.message.Message()
    message['content-disposition'] = info.get('content-disposition', '')
    filename = message.get_param('filename', header='content-disposition')
    filename = os.path.basename(filename) if filename else url_filename(info['url'])
    dest = os.path.join(dest, filename)
    result['dest'] = dest
result['checksum_src'] = checksum_of(tmpsrc, 'sha1')
if os.path.exists(dest):
    if not os.access(dest, os.W_OK):
        os.remove(tmpsrc)
        fail(msg='Destination %s is not writable' % dest)
    result['checksum_dest'] = checksum_of(dest, 'sha1')
else:
    if not os.path.exists(os.path.dirname(dest)):
        os.remove(tmpsrc)
        fail(msg='Destination %s does not exist' % os.path.dirname(dest))
    if not os.access(os.path.dirname(dest), os.W_OK):
        os.remove(tmpsrc)
        fail(msg='Destination %s is not writable' % os.path.dirname(dest))
if check_mode:
    os.remove(tmpsrc)
    result['changed'] = result['checksum_src'] != result['checksum_dest']
    finish(with_path(dict(result, msg=info.get('msg', ''))))
if checksum != '':
    got = digest(tmpsrc, algorithm)
    if checksum != got:
        os.remove(tmpsrc)
        fail(msg='The checksum for %s did not match %s; it was %s.' % (tmpsrc, checksum, got))
backup_file = None
if result['checksum_src'] != result['checksum_dest']:
    try:
        if p['backup'] and os.path.exists(dest):
            backup_file = '%s.%s.%s' % (dest, os.getpid(), time.strftime('%Y-%m-%d@%H:%M:%S~', time.localtime(time.time())))
            shutil.copy2(dest, backup_file)
        if os.path.exists(dest):
            st = os.stat(dest)
            os.chmod(tmpsrc, stat.S_IMODE(st.st_mode))
            try:
                os.chown(tmpsrc, st.st_uid, st.st_gid)
            except OSError:
                pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmpsrc, 0o666 & ~umask)
        try:
            os.rename(tmpsrc, dest)
        except OSError:
            # tmp_dest on another filesystem: copy beside dest, then rename there.
            fd, near = tempfile.mkstemp(dir=os.path.dirname(dest), prefix='.playbook-get_url-')
            os.close(fd)
            shutil.copy2(tmpsrc, near)
            os.rename(near, dest)
            os.remove(tmpsrc)
    except Exception as e:
        if os.path.exists(tmpsrc):
            os.remove(tmpsrc)
        fail(msg='failed to copy %s to %s: %s' % (tmpsrc, dest, e))
    result['changed'] = True
else:
    os.remove(tmpsrc)
result['changed'] = set_attributes(dest, p, result['changed'])
result['md5sum'] = checksum_of(dest, 'md5')
if backup_file:
    result['backup_file'] = backup_file
finish(with_path(dict(result, msg=info.get('msg', ''), status_code=info.get('status', ''))))
`;

/** authorized_key's key source: a key text starting with http is fetched (as Ansible's fetch_url), one starting with file is read. */
export const KEY_SOURCE_PY = `${HTTP_LIB}
p = json.load(sys.stdin)
key = p['key']
if key.startswith('http'):
    try:
        r, info = request({'url': key, 'validate_certs': p['validate_certs'], 'follow_redirects': 'urllib2', 'timeout': 10})
        if info['status'] != 200:
            finish({'failed': True, 'changed': False, 'msg': 'Error getting key from: %s' % key})
        key = r.read().decode('utf-8')
    except Exception:
        finish({'failed': True, 'changed': False, 'msg': 'Error getting key from: %s' % key})
if key.startswith('file'):
    key_path = urllib.parse.urlparse(key).path
    if not os.path.exists(key_path):
        finish({'failed': True, 'changed': False, 'msg': 'Path to a key file not found: %s' % key_path})
    if not os.path.isfile(key_path):
        finish({'failed': True, 'changed': False, 'msg': 'Path to a key is a directory and must be a file: %s' % key_path})
    try:
        with open(key_path, 'r') as f:
            key = f.read()
    except OSError as e:
        finish({'failed': True, 'changed': False, 'msg': 'Failed to read key file %s : %s' % (key_path, e)})
finish({'changed': False, 'key': key})
`;
