"""Runs many ansible-inventory command lines from one Python start-up (each costs ~0.4 s otherwise).

Reads a JSON list of argument lists (what follows `ansible-inventory` on a command line) from stdin
and prints a JSON list of {"stdout": text, "stderr": text, "code": exit code}. Ansible is imported once; every
command line then runs in a forked child, so each starts from the same untouched state as a fresh
`ansible-inventory` process (the CLI keeps global state and cannot run twice in one process). The
output goes through the CLI's own `--output` file. The test suite also runs a few of the same
command lines as separate processes to check that this changes nothing.
"""
import json
import os
import sys
import tempfile

from ansible.cli.inventory import InventoryCLI

PARALLEL = max(2, (os.cpu_count() or 1) + 1)


def child(args, out_path, code_path, err_path):
    err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(err, 2)
    code = 1
    try:
        InventoryCLI.cli_executor(["ansible-inventory", *args, "--output", out_path])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    with open(code_path, "w") as f:
        f.write(str(code))
    os._exit(0)


def main():
    jobs = json.load(sys.stdin)
    results = [None] * len(jobs)
    with tempfile.TemporaryDirectory() as tmp:
        running = {}
        pending = list(enumerate(jobs))

        def reap():
            pid, _status = os.wait()
            index = running.pop(pid)
            out_path = os.path.join(tmp, f"{index}.out")
            code_path = os.path.join(tmp, f"{index}.code")
            stdout = ""
            if os.path.exists(out_path):
                with open(out_path, encoding="utf-8") as f:
                    stdout = f.read()
            with open(os.path.join(tmp, f"{index}.err"), encoding="utf-8", errors="replace") as f:
                stderr = f.read()
            with open(code_path) as f:
                code = int(f.read() or 1)
            results[index] = {"stdout": stdout, "stderr": stderr, "code": code}

        while pending or running:
            while pending and len(running) < PARALLEL:
                index, args = pending.pop(0)
                sys.stdout.flush()
                pid = os.fork()
                if pid == 0:
                    paths = [os.path.join(tmp, f"{index}.{ext}") for ext in ("out", "code", "err")]
                    child(args, *paths)
                running[pid] = index
            reap()
    json.dump(results, sys.stdout)


main()
