#!/usr/bin/env python3
"""The reachability matrix's two halves (read-only: nothing is written on the node).

  reach.py listen PORT NAME SECONDS PEERS
      Binds PORT on every address, prints {"listening": true} (or the error) and returns at once,
      leaving a detached process that answers each connection with NAME until PEERS peers have
      connected, SECONDS have passed, or a connection comes from this node itself (`stop`). A
      listener left by an earlier run (it answers with the same NAME) is stopped first.
  reach.py stop PORT
      Ends this node's listener.
  reach.py probe PORT SECONDS NAME=IP ...
      Connects to every IP:PORT at once and prints {NAME: "ok" | "timeout" | "refused" |
      "answered as OTHER" | error}. A firewall that drops shows as a timeout.
"""
import errno
import json
import os
import socket
import sys
import threading
import time


def stop(port):
    """Connect from this node: the listener answers with its name and ends. The name, or None."""
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=2) as conn:
            conn.settimeout(2)
            return conn.makefile().readline().strip()
    except OSError:
        return None


def bind(port, name):
    for attempt in range(20):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind(('0.0.0.0', port))
            server.listen(16)
            return server
        except OSError as e:
            server.close()
            # An earlier run's listener (it answers with our name) is ended; anything else is an error.
            if e.errno != errno.EADDRINUSE or (attempt == 0 and stop(port) != name) or attempt == 19:
                raise
            time.sleep(0.1)


def listen(port, name, seconds, peers):
    try:
        server = bind(port, name)
    except OSError as e:
        print(json.dumps({'listening': False, 'error': f'port {port}: {e.strerror or e}'}))
        return 0
    if os.fork():
        print(json.dumps({'listening': True}))
        return 0
    # The detached answerer: no terminal, no inherited output (the SSH session ends without it).
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    deadline = time.monotonic() + seconds
    served = 0
    while served < peers:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        server.settimeout(left)
        try:
            conn, (address, _) = server.accept()
        except OSError:
            break
        with conn:
            try:
                conn.sendall(f'{name}\n'.encode())
            except OSError:
                pass
        if address.startswith('127.'):
            break
        served += 1
    os._exit(0)


def probe(port, seconds, targets):
    results = {}

    def one(name, ip):
        try:
            with socket.create_connection((ip, port), timeout=seconds) as conn:
                conn.settimeout(seconds)
                answer = conn.makefile().readline().strip()
            results[name] = 'ok' if answer == name else f'answered as {answer or "nobody"}'
        except socket.timeout:
            results[name] = 'timeout'
        except ConnectionRefusedError:
            results[name] = 'refused'
        except OSError as e:
            results[name] = e.strerror or str(e)

    threads = [threading.Thread(target=one, args=t.split('=', 1)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(results))
    return 0


def main(argv):
    if len(argv) >= 5 and argv[0] == 'listen':
        return listen(int(argv[1]), argv[2], float(argv[3]), int(argv[4]))
    if len(argv) == 2 and argv[0] == 'stop':
        stop(int(argv[1]))
        return 0
    if len(argv) >= 3 and argv[0] == 'probe':
        return probe(int(argv[1]), float(argv[2]), argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    raise SystemExit(main(sys.argv[1:]))
