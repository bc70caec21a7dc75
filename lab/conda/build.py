#!/usr/bin/env python3
"""Build the lab's Miniforge stand-in: Miniforge3-Linux-x86_64.sh and its .sha256 (sha256sum format).

The installer is src/header.sh followed by a tar.gz of src/conda.py and src/conda.sh, as a real
constructor installer is a shell header followed by its payload. The build is deterministic (fixed
mtimes and owners, gzip without a timestamp), so the committed files can be checked: `build.py
--check` exits 1 when they are out of date with src/.
"""

import gzip
import hashlib
import io
import os
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
NAME = "Miniforge3-Linux-x86_64.sh"
VERSION = "25.3.1-0"
CONDA_VERSION = "25.3.1"
PAYLOAD = ("conda.py", "conda.sh")


def payload():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in PAYLOAD:
            with open(os.path.join(SRC, name), "rb") as f:
                data = f.read()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def installer():
    with open(os.path.join(SRC, "header.sh"), encoding="utf-8") as f:
        header = f.read()
    if not header.endswith("@@END_HEADER@@\n"):
        raise SystemExit("src/header.sh must end with the line @@END_HEADER@@")
    lines = header.count("\n") + 1
    header = (header.replace("@LINES@", str(lines)).replace("@VERSION@", VERSION)
              .replace("@CONDA_VERSION@", CONDA_VERSION))
    return header.encode() + payload()


def main(argv):
    data = installer()
    digest = hashlib.sha256(data).hexdigest()
    sha_line = f"{digest}  {NAME}\n".encode()
    target = os.path.join(HERE, NAME)
    if "--check" in argv:
        try:
            with open(target, "rb") as f:
                same = f.read() == data
            with open(target + ".sha256", "rb") as f:
                same = same and f.read() == sha_line
        except OSError:
            same = False
        if not same:
            print(f"{NAME} is out of date with lab/conda/src: run python3 lab/conda/build.py", file=sys.stderr)
            return 1
        print(f"{NAME} is up to date ({digest})")
        return 0
    for path, content, mode in ((target, data, 0o755), (target + ".sha256", sha_line, 0o644)):
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    print(f"wrote {target} ({len(data)} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
