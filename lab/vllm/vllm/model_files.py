"""The model folder's manifest (relative path -> size, sha256 of small files) and its comparison.

The driver takes the manifest on the head; every worker compares it with its own folder at the same
absolute path, as a real worker loads the model from its own disk.
"""

import hashlib
import os

SMALL_FILE_LIMIT = 4 * 1024 * 1024


def manifest(path, small_limit=SMALL_FILE_LIMIT):
    files = {}
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for n in sorted(names):
            if n.startswith("."):
                continue
            full = os.path.join(root, n)
            rel = os.path.relpath(full, path)
            try:
                size = os.path.getsize(full)
            except OSError:
                continue
            entry = {"size": size}
            if size <= small_limit:
                h = hashlib.sha256()
                with open(full, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                entry["sha256"] = h.hexdigest()
            files[rel] = entry
    return files


def differences(expected, actual):
    """Human-readable differences between the head's manifest and this node's."""
    out = []
    for rel in sorted(expected):
        if rel not in actual:
            out.append(f"{rel}: missing")
            continue
        e, a = expected[rel], actual[rel]
        if e["size"] != a["size"]:
            out.append(f"{rel}: size {a['size']} bytes, the head has {e['size']}")
        elif e.get("sha256") and a.get("sha256") and e["sha256"] != a["sha256"]:
            out.append(f"{rel}: sha256 {a['sha256'][:12]}..., the head has {e['sha256'][:12]}...")
    for rel in sorted(set(actual) - set(expected)):
        out.append(f"{rel}: not on the head")
    return out


def weights_bytes(files):
    return sum(e["size"] for rel, e in files.items() if rel.endswith((".safetensors", ".bin", ".pt", ".gguf")))
