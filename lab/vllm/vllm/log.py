"""vLLM-style log lines: `(APIServer pid=123) INFO 11-24 01:29:19 [api_server.py:1885] message`.

The process label is what vLLM prints for the process that logs (APIServer, EngineCore_DP0); Ray
actors log without one, because Ray already prefixes their lines with
`(RayWorkerWrapper pid=..., ip=...)`. The file:line tags name the vLLM source file that prints the
same message, so a log reads like a real one.
"""

import os
import sys
import threading
import time

_lock = threading.Lock()
_label = None
_level = os.environ.get("VLLM_LOGGING_LEVEL", "INFO").upper()
_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def set_process_label(label):
    """Label later lines of this process, e.g. 'APIServer' or 'EngineCore_DP0'; None for no label."""
    global _label
    _label = label


def _emit(level, where, msg, args):
    if _LEVELS.get(level, 20) < _LEVELS.get(_level, 20):
        return
    if args:
        msg = msg % args
    stamp = time.strftime("%m-%d %H:%M:%S")
    prefix = f"({_label} pid={os.getpid()}) " if _label else ""
    text = "".join(f"{prefix}{level} {stamp} [{where}] {line}\n" for line in str(msg).split("\n"))
    with _lock:
        sys.stdout.write(text)
        sys.stdout.flush()


def info(where, msg, *args):
    _emit("INFO", where, msg, args)


def warning(where, msg, *args):
    _emit("WARNING", where, msg, args)


def error(where, msg, *args):
    _emit("ERROR", where, msg, args)


def debug(where, msg, *args):
    _emit("DEBUG", where, msg, args)


_uvicorn_quiet = False


def set_uvicorn_level(level):
    """--uvicorn-log-level: above info, uvicorn prints neither its start-up lines nor access logs."""
    global _uvicorn_quiet
    _uvicorn_quiet = level in ("warning", "error", "critical")


def uvicorn(msg):
    """Uvicorn's own format: `INFO:     message`."""
    if _uvicorn_quiet:
        return
    with _lock:
        sys.stdout.write(f"INFO:     {msg}\n")
        sys.stdout.flush()


def raw(text):
    with _lock:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
