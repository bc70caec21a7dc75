/**
 * The program that waits on the host for wait_for: one Python run with its own deadline (not a
 * round trip per poll). Python because the wait is Ansible's and so are its semantics: the
 * search_regex is Python's `re` on the file's or the socket's bytes (MULTILINE, named groups),
 * `host` is resolved by the host's resolver, and connections are counted from /proc/net/tcp* as
 * Ansible's Linux strategy counts them. Every Debian or RHEL server has python3; a host without it
 * gets a message saying so.
 *
 * Input: the module's arguments as JSON on stdin. Output: one JSON line, the result (runRemotePython).
 */

export const WAIT_FOR_PY = String.raw`
import binascii, json, os, re, select, socket, sys, time

p = json.load(sys.stdin)
host, port, path, state = p['host'], p['port'], p['path'], p['state']
timeout, connect_timeout, delay, pause = p['timeout'], p['connect_timeout'], p['delay'], p['sleep']
search_regex, msg = p['search_regex'], p['msg']
start = time.time()

def elapsed():
    return int(time.time() - start)

def finish(result):
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()
    sys.exit(0)

def fail(text):
    finish({'failed': True, 'msg': msg or text, 'elapsed': elapsed()})

def text(b):
    return b.decode('utf-8', 'replace') if isinstance(b, bytes) else b

if path is not None:
    path = os.path.expanduser(os.path.expandvars(path))

compiled = None
if search_regex is not None:
    try:
        compiled = re.compile(search_regex.encode('utf-8', 'surrogateescape'), re.MULTILINE)
    except re.error as e:
        finish({'failed': True, 'msg': 'Invalid regular expression: %s' % e, 'elapsed': 0})

groups, groupdict = (), {}

def matched(m):
    global groups, groupdict
    if m.groupdict():
        groupdict = dict((k, text(v)) for k, v in m.groupdict().items())
    if m.groups():
        groups = tuple(text(v) for v in m.groups())

def remaining(end):
    return max(0.0, end - time.time())

def connect(seconds):
    return socket.create_connection((host, int(port)), seconds)

def close(s):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()

# Connections as /proc/net/tcp* writes them: local and remote addresses in little-endian hex words.
STATES = {'ESTABLISHED': '01', 'SYN_SENT': '02', 'SYN_RECV': '03', 'FIN_WAIT1': '04', 'FIN_WAIT2': '05', 'TIME_WAIT': '06'}

def hex_addresses(name):
    out = []
    for family, _, _, _, sockaddr in socket.getaddrinfo(name, 80, 0, 0, socket.SOL_TCP):
        ips = [(family, sockaddr[0])]
        if family == socket.AF_INET:
            ips.append((socket.AF_INET6, '::ffff:' + sockaddr[0]))
        for fam, ip in ips:
            raw = binascii.b2a_hex(socket.inet_pton(fam, ip)).decode()
            out.append((fam, ''.join('%08X' % socket.ntohl(int(raw[i:i + 8], 16)) for i in range(0, len(raw), 8))))
    return out

def active_connections():
    ips = hex_addresses(host)
    excluded = [a for h in (p['exclude_hosts'] or []) for a in hex_addresses(h)]
    wanted = [STATES[s] for s in p['active_connection_states']]
    local_port = '%0.4X' % int(port)
    count = 0
    for family, source, any_ip in ((socket.AF_INET, '/proc/net/tcp', '0' * 8), (socket.AF_INET6, '/proc/net/tcp6', '0' * 32)):
        try:
            with open(source) as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 4 or fields[3] not in wanted:
                continue
            lip, lport = fields[1].split(':')
            rip = fields[2].split(':')[0]
            if lport != local_port or (family, rip) in excluded:
                continue
            if (family, lip) in ips or (family, any_ip) in ips or (lip.startswith('0000000000000000FFFF0000') and (family, '0000000000000000FFFF000000000000') in ips):
                count += 1
    return count

if delay:
    time.sleep(delay)

end = start + timeout
if not port and not path and state != 'drained':
    time.sleep(timeout)
elif state in ('absent', 'stopped'):
    while time.time() < end:
        if path:
            if not os.access(path, os.F_OK):
                break
        else:
            try:
                close(connect(connect_timeout))
            except Exception:
                break
        time.sleep(pause)
    else:
        if port:
            fail('Timeout when waiting for %s:%s to stop.' % (host, port))
        fail('Timeout when waiting for %s to be absent.' % path)
elif state in ('started', 'present'):
    while time.time() < end:
        if path:
            try:
                os.stat(path)
            except OSError as e:
                if e.errno != 2:
                    fail('Failed to stat %s, %s' % (path, e.strerror))
            else:
                if compiled is None:
                    break
                try:
                    with open(path, 'rb') as f:
                        m = compiled.search(f.read())
                    if m:
                        matched(m)
                        break
                except OSError:
                    pass
        else:
            try:
                s = connect(min(connect_timeout, max(1, int(remaining(end) + 0.999))))
            except Exception:
                pass
            else:
                if compiled is None:
                    close(s)
                    break
                data, found = b'', False
                while time.time() < end:
                    if not select.select([s], [], [], remaining(end))[0]:
                        continue
                    chunk = s.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                    m = compiled.search(data)
                    if m:
                        found = True
                        break
                close(s)
                if found:
                    break
        time.sleep(pause)
    else:
        if port:
            if search_regex:
                fail('Timeout when waiting for search string %s in %s:%s' % (search_regex, host, port))
            fail('Timeout when waiting for %s:%s' % (host, port))
        if search_regex:
            fail('Timeout when waiting for search string %s in %s' % (search_regex, path))
        fail('Timeout when waiting for file %s' % path)
elif state == 'drained':
    while time.time() < end:
        if active_connections() == 0:
            break
        time.sleep(pause)
    else:
        fail('Timeout when waiting for %s:%s to drain' % (host, port))

result = {'state': state, 'port': port, 'search_regex': search_regex, 'match_groups': list(groups), 'match_groupdict': groupdict, 'path': path, 'elapsed': elapsed()}
# As every Ansible module whose result names an existing path: its owner, mode, kind and size.
if path is not None and os.path.exists(path):
    import grp, pwd, stat
    st = os.lstat(path)
    uid, gid = st.st_uid, st.st_gid
    try:
        owner = pwd.getpwuid(uid)[0]
    except KeyError:
        owner = str(uid)
    try:
        group = grp.getgrgid(gid)[0]
    except KeyError:
        group = str(gid)
    kind = 'link' if os.path.islink(path) else 'directory' if os.path.isdir(path) else 'hard' if os.stat(path).st_nlink > 1 else 'file'
    result.update(uid=uid, gid=gid, owner=owner, group=group, mode='0%03o' % stat.S_IMODE(st.st_mode), state=kind, size=st.st_size)
finish(result)
`;
