#!/usr/bin/env python3
"""The sha256 manifest of a model directory: every file's relative path, size and sha256, and one
digest over them all. Hashes are cached by (size, mtime, inode) in a JSON file per model path, so a
re-run reads only the files that changed. Hidden entries at the top (hub clients' caches and
markers: .cache, .msc, .mdl, ._____temp) are not part of the model.

usage: model-manifest.py MODEL_DIR CACHE_DIR [--files] [--read-only]
prints {"digest": ..., "files": N, "bytes": B} (with --files also "manifest": {path: sha256});
--read-only uses the cache but writes nothing (verify.yml).
exit 3 when MODEL_DIR is not a directory.
"""
import hashlib
import json
import os
import sys


def walk(root):
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root:
            dirnames[:] = [d for d in dirnames if not d.startswith('.')]
            filenames = [f for f in filenames if not f.startswith('.')]
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if os.path.isfile(full):
                yield os.path.relpath(full, root), full


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, cache_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
    if not os.path.isdir(root):
        print(json.dumps({'error': f'{root} is not a directory'}))
        return 3
    read_only = '--read-only' in sys.argv[3:]
    if not read_only:
        os.makedirs(cache_dir, exist_ok=True)
    cache_file = os.path.join(cache_dir, hashlib.sha256(root.encode()).hexdigest()[:16] + '.json')
    try:
        with open(cache_file) as f:
            cache = json.load(f)
    except (OSError, ValueError):
        cache = {}
    manifest, fresh, total = {}, {}, 0
    for rel, full in walk(root):
        st = os.stat(full)
        key = [st.st_size, st.st_mtime_ns, st.st_ino]
        known = cache.get(rel)
        digest = known[1] if known and known[0] == key else sha256(full)
        manifest[rel] = digest
        fresh[rel] = [key, digest]
        total += st.st_size
    if not read_only:
        tmp = cache_file + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(fresh, f)
        os.replace(tmp, cache_file)
    lines = ''.join(f'{digest}  {rel}\n' for rel, digest in sorted(manifest.items()))
    out = {'digest': hashlib.sha256(lines.encode()).hexdigest(), 'files': len(manifest), 'bytes': total}
    if '--files' in sys.argv[3:]:
        out['manifest'] = manifest
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
