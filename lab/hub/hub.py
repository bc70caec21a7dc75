#!/usr/bin/python3
"""The lab's model hub: the parts of the Hugging Face Hub and ModelScope HTTP APIs that the real
`huggingface_hub` and `modelscope` clients use to download a model, serving the lab's synthetic
models (the files `seed-model` writes) and nothing else. Standard library only.

    hub.py --hf-port 8081 --modelscope-port 8082 --seed-model /opt/lab/standins/seed-model \
           --models '[{"id": "Qwen/Qwen3-0.6B", "name": "Qwen3-0.6B", "size_mb": 50}]'

Each model of the catalogue is a repository with one commit: the files of
`seed-model DIR --name NAME --size-mb SIZE`, made on the first request and kept in memory. The
commit, tree and blob ids are git's (sha1 of the objects), LFS files (weights, files of 10 MiB or
more) are stored as git-lfs pointers and announced with their sha256, as on the hubs. Branches
`main` and `master` and the commit id are the revisions. See README.md beside this file.
"""

import argparse
import hashlib
import importlib.machinery
import importlib.util
import json
import re
import sys
import threading
import time
import urllib.parse
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The commit's date (fixed, so that every lab serves the same commit id): 2025-04-29 00:00:00 UTC.
COMMIT_TIME = 1745884800
BRANCHES = ("main", "master")
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".onnx", ".msgpack", ".h5", ".ckpt")
LFS_MIN_SIZE = 10 * 1024 * 1024


def load_seed_model(path):
    """The seed-model script as a module (it has no .py suffix)."""
    loader = importlib.machinery.SourceFileLoader("lab_seed_model", path)
    spec = importlib.util.spec_from_loader("lab_seed_model", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def git_oid(kind, data):
    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(data)) + data).hexdigest()


def lfs_pointer(sha256, size):
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def iso_time(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


class Repo:
    """One model repository: its files, their git and LFS ids, and its single commit."""

    def __init__(self, repo_id, files):
        self.id = repo_id
        self.files = dict(sorted(files.items()))
        self.entries = {}
        tree = b""
        for name, data in self.files.items():
            sha256 = hashlib.sha256(data).hexdigest()
            lfs = name.endswith(LFS_SUFFIXES) or len(data) >= LFS_MIN_SIZE
            pointer = lfs_pointer(sha256, len(data)) if lfs else None
            oid = git_oid("blob", pointer if lfs else data)
            self.entries[name] = {"size": len(data), "sha256": sha256, "oid": oid, "lfs": lfs,
                                  "pointer_size": len(pointer) if lfs else None}
            tree += b"100644 " + name.encode() + b"\0" + bytes.fromhex(oid)
        self.tree = git_oid("tree", tree)
        self.message = f"Seed {repo_id}"
        signature = f"lab <lab@mirror.lab> {COMMIT_TIME} +0000"
        self.commit = git_oid("commit", f"tree {self.tree}\nauthor {signature}\ncommitter {signature}\n\n{self.message}\n".encode())

    def has_revision(self, revision):
        return revision in BRANCHES or revision == self.commit

    def etag(self, name):
        """The hub's ETag of a file: its sha256 when it is in LFS, else its git blob id."""
        entry = self.entries[name]
        return entry["sha256"] if entry["lfs"] else entry["oid"]


class Catalogue:
    """The served models by id, each made on first use (seed-model's bytes are deterministic)."""

    def __init__(self, models, seed_model_path):
        self.models = {m["id"]: m for m in models}
        self.seed_model_path = seed_model_path
        self._seed = None
        self._repos = {}
        self._lock = threading.Lock()

    def get(self, repo_id):
        model = self.models.get(repo_id)
        if model is None:
            return None
        with self._lock:
            repo = self._repos.get(repo_id)
            if repo is None:
                if self._seed is None:
                    self._seed = load_seed_model(self.seed_model_path)
                name = model.get("name") or repo_id.split("/")[-1]
                repo = Repo(repo_id, self._seed.model_files(name, float(model.get("size_mb", 50))))
                self._repos[repo_id] = repo
            return repo


def parse_range(header, size):
    """(start, end) inclusive for a single `bytes=` range; None for no/unsupported range; 'bad' when unsatisfiable."""
    if not header:
        return None
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return None
    if m.group(1) == "":
        length = int(m.group(2))
        if length == 0:
            return "bad"
        return max(0, size - length), size - 1
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else size - 1
    if start >= size or end < start:
        return "bad"
    return start, min(end, size - 1)


def content_type(name):
    if name.endswith(".json"):
        return "application/json; charset=utf-8"
    if name.endswith((".txt", ".md")):
        return "text/plain; charset=utf-8"
    return "application/octet-stream"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lab-hub/1"
    catalogue = None  # set per server

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's signature)
        sys.stderr.write(f"[{self.hub_name}] {self.address_string()} {format % args}\n")

    # -- responses --------------------------------------------------------------------------------
    def send(self, status, body=b"", headers=None, head=False):
        self.send_response(status)
        for k, v in (headers or {}).items():
            # Header values are latin-1 on the wire: a name from the URL (a revision, a file) may not be.
            self.send_header(k, str(v).encode("ascii", "backslashreplace").decode("ascii"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def send_json(self, status, obj, headers=None, head=False):
        body = json.dumps(obj, ensure_ascii=False).encode()
        self.send(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, head)

    def send_file(self, repo, name, headers, head):
        data = repo.files[name]
        size = len(data)
        base = {"Content-Type": content_type(name), "Accept-Ranges": "bytes", **headers}
        wanted = parse_range(self.headers.get("Range"), size)
        if wanted == "bad":
            return self.send(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", {**base, "Content-Range": f"bytes */{size}"}, head)
        if wanted is None:
            return self.send(HTTPStatus.OK, data, base, head)
        start, end = wanted
        return self.send(HTTPStatus.PARTIAL_CONTENT, data[start:end + 1], {**base, "Content-Range": f"bytes {start}-{end}/{size}"}, head)

    # -- dispatch ---------------------------------------------------------------------------------
    def do_GET(self):
        self.dispatch(head=False)

    def do_HEAD(self):
        self.dispatch(head=True)

    def dispatch(self, head):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        try:
            for pattern, method in self.routes:
                m = re.fullmatch(pattern, url.path)
                if m:
                    args = {k: urllib.parse.unquote(v) if v is not None else None for k, v in m.groupdict().items()}
                    return getattr(self, method)(query=query, head=head, **args)
            return self.not_found(head)
        except (BrokenPipeError, ConnectionResetError):
            pass


class HuggingFaceHandler(Handler):
    """The Hugging Face Hub: /api/models/{id}[/revision/{rev}], /api/models/{id}/tree/{rev}[/{path}],
    /{id}/resolve/{rev}/{file} (HEAD and GET, with ranges)."""

    hub_name = "hf"
    routes = [
        (r"/api/models/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/]+)(?:/(?P<path>.+))?", "tree"),
        (r"/api/models/(?P<repo>[^/]+/[^/]+)(?:/revision/(?P<rev>[^/]+))?", "model_info"),
        (r"/(?:models/)?(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)", "resolve"),
    ]

    def error(self, status, code, message, head=False):
        headers = {"X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        self.send_json(status, {"error": message}, headers, head)

    def not_found(self, head):
        self.error(HTTPStatus.NOT_FOUND, None, "Sorry, we can't find the page you are looking for.", head)

    def repo_and_revision(self, repo_id, revision, head):
        """The repository and its revision, or None after answering as the Hub does for an unknown one."""
        repo = self.catalogue.get(repo_id)
        if repo is None:
            # The Hub answers 401 to an anonymous request for a repository it does not show (so that a
            # private one is not revealed), 404 to an authenticated one; both say RepoNotFound.
            if self.headers.get("Authorization"):
                self.error(HTTPStatus.NOT_FOUND, "RepoNotFound", "Repository not found", head)
            else:
                self.error(HTTPStatus.UNAUTHORIZED, "RepoNotFound", "Invalid username or password.", head)
            return None
        if revision is not None and not repo.has_revision(revision):
            self.error(HTTPStatus.NOT_FOUND, "RevisionNotFound", f"Invalid rev id: {revision}", head)
            return None
        return repo

    def last_commit(self, repo):
        return {"id": repo.commit, "title": repo.message, "date": iso_time(COMMIT_TIME)}

    def model_info(self, repo, rev, query, head):
        repo_obj = self.repo_and_revision(repo, rev, head)
        if repo_obj is None:
            return
        blobs = query.get("blobs", "").lower() in ("1", "true")
        siblings = []
        for name, e in repo_obj.entries.items():
            s = {"rfilename": name}
            if blobs:
                s.update({"blobId": e["oid"], "size": e["size"]})
                if e["lfs"]:
                    s["lfs"] = {"sha256": e["sha256"], "size": e["size"], "pointerSize": e["pointer_size"]}
            siblings.append(s)
        owner = repo.split("/")[0]
        config = {}
        if "config.json" in repo_obj.files:
            cfg = json.loads(repo_obj.files["config.json"])
            config = {"architectures": cfg.get("architectures"), "model_type": cfg.get("model_type")}
        self.send_json(HTTPStatus.OK, {
            "_id": hashlib.sha1(repo.encode()).hexdigest()[:24],
            "id": repo,
            "modelId": repo,
            "author": owner,
            "sha": repo_obj.commit,
            "lastModified": iso_time(COMMIT_TIME),
            "createdAt": iso_time(COMMIT_TIME),
            "private": False,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "library_name": "transformers",
            "tags": ["transformers", "safetensors", config.get("model_type") or "model", "text-generation"],
            "pipeline_tag": "text-generation",
            "config": config,
            "siblings": siblings,
            "spaces": [],
            "usedStorage": sum(e["size"] for e in repo_obj.entries.values()),
        }, head=head)

    def tree(self, repo, rev, path, query, head):
        repo_obj = self.repo_and_revision(repo, rev, head)
        if repo_obj is None:
            return
        expand = query.get("expand", "").lower() in ("1", "true")
        prefix = (path or "").strip("/")
        if prefix:
            # The repositories are flat: a path names a file, not a folder.
            self.error(HTTPStatus.NOT_FOUND, "EntryNotFound", f"{prefix} does not exist on \"{rev}\"", head)
            return
        out = []
        for name, e in repo_obj.entries.items():
            item = {"type": "file", "oid": e["oid"], "size": e["size"], "path": name}
            if e["lfs"]:
                item["lfs"] = {"oid": e["sha256"], "size": e["size"], "pointerSize": e["pointer_size"]}
            if expand:
                item["lastCommit"] = self.last_commit(repo_obj)
            out.append(item)
        self.send_json(HTTPStatus.OK, out, head=head)

    def resolve(self, repo, rev, path, query, head):
        repo_obj = self.repo_and_revision(repo, rev, head)
        if repo_obj is None:
            return
        if path not in repo_obj.files:
            self.error(HTTPStatus.NOT_FOUND, "EntryNotFound", "Entry not found", head)
            return
        entry = repo_obj.entries[path]
        headers = {"ETag": f'"{repo_obj.etag(path)}"', "X-Repo-Commit": repo_obj.commit}
        if entry["lfs"]:
            headers.update({"X-Linked-Etag": f'"{entry["sha256"]}"', "X-Linked-Size": str(entry["size"])})
        self.send_file(repo_obj, path, headers, head)


class ModelScopeHandler(Handler):
    """ModelScope's /api/v1: models/{id} (info), models/{id}/revisions, models/{id}/repo/files
    (listing with Sha256), models/{id}/repo?FilePath= (download, with ranges)."""

    hub_name = "modelscope"
    routes = [
        (r"/api/v1/models/(?P<repo>[^/]+/[^/]+)/repo/files", "files"),
        (r"/api/v1/models/(?P<repo>[^/]+/[^/]+)/repo", "download"),
        (r"/api/v1/models/(?P<repo>[^/]+/[^/]+)/revisions", "revisions"),
        (r"/api/v1/models/(?P<repo>[^/]+/[^/]+)", "model_info"),
    ]

    def reply(self, status, data=None, message="success", head=False):
        body = {"Code": 200 if status == HTTPStatus.OK else int(status), "Message": message,
                "RequestId": uuid.uuid4().hex, "Success": status == HTTPStatus.OK}
        if data is not None:
            body["Data"] = data
        self.send_json(status, body, head=head)

    def not_found(self, head):
        self.reply(HTTPStatus.NOT_FOUND, message="Not Found", head=head)

    def repo_and_revision(self, repo_id, revision, head):
        repo = self.catalogue.get(repo_id)
        if repo is None:
            # What modelscope.cn says, in Chinese (the client translates it): "model does not exist".
            self.reply(HTTPStatus.NOT_FOUND, message="模型不存在", head=head)
            return None
        if revision is not None and not repo.has_revision(revision):
            self.reply(HTTPStatus.NOT_FOUND, message=f"revision {revision} of {repo_id} does not exist", head=head)
            return None
        return repo

    def model_info(self, repo, query, head):
        repo_obj = self.repo_and_revision(repo, query.get("Revision") or None, head)
        if repo_obj is None:
            return
        owner, name = repo.split("/", 1)
        self.reply(HTTPStatus.OK, {
            "Id": int(repo_obj.commit[:8], 16),
            "Name": name,
            "Path": owner,
            "ChineseName": "",
            "Revision": "master",
            "LatestCommitId": repo_obj.commit,
            "Visibility": 5,
            "Tasks": [{"Name": "text-generation"}],
            "Downloads": 0,
            "CreatedTime": COMMIT_TIME,
            "LastUpdatedTime": COMMIT_TIME,
        }, head=head)

    def revisions(self, repo, query, head):
        repo_obj = self.repo_and_revision(repo, None, head)
        if repo_obj is None:
            return
        branch = {"Revision": "master", "CommitId": repo_obj.commit, "CreatedAt": COMMIT_TIME, "Description": repo_obj.message}
        self.reply(HTTPStatus.OK, {"RevisionMap": {"Branches": [branch], "Tags": []}}, head=head)

    def files(self, repo, query, head):
        revision = query.get("Revision") or "master"
        repo_obj = self.repo_and_revision(repo, revision, head)
        if repo_obj is None:
            return
        root = (query.get("Root") or "").strip("/")
        if root:
            self.reply(HTTPStatus.NOT_FOUND, message=f"path {root} does not exist", head=head)
            return
        files = [{
            "Id": e["oid"],
            "Name": name,
            "Path": name,
            "Type": "blob",
            "Mode": "33188",
            "Size": e["size"],
            "Sha256": e["sha256"],
            "IsLFS": e["lfs"],
            "Revision": repo_obj.commit,
            "CommitId": repo_obj.commit,
            "CommitMessage": repo_obj.message,
            "CommitterName": "lab",
            "CommittedDate": COMMIT_TIME,
        } for name, e in repo_obj.entries.items()]
        committer = {"Id": repo_obj.commit, "ShortId": repo_obj.commit[:8], "Title": repo_obj.message,
                     "Message": repo_obj.message, "AuthorName": "lab", "CommitterName": "lab",
                     "CommittedDate": COMMIT_TIME, "CreatedAt": COMMIT_TIME}
        self.reply(HTTPStatus.OK, {"Files": files, "LatestCommitter": committer, "IsVisual": 0}, head=head)

    def download(self, repo, query, head):
        revision = query.get("Revision") or "master"
        repo_obj = self.repo_and_revision(repo, revision, head)
        if repo_obj is None:
            return
        path = (query.get("FilePath") or "").lstrip("/")
        if path not in repo_obj.files:
            self.reply(HTTPStatus.NOT_FOUND, message=f"file {path} does not exist in {repo}", head=head)
            return
        name = path.split("/")[-1]
        self.send_file(repo_obj, path, {"ETag": f'"{repo_obj.etag(path)}"',
                                        "Content-Disposition": f'attachment; filename="{name}"'}, head)


def make_server(handler, port, catalogue, host="0.0.0.0"):
    cls = type(handler.__name__, (handler,), {"catalogue": catalogue})
    server = ThreadingHTTPServer((host, port), cls)
    server.daemon_threads = True
    return server


def start(config):
    """Starts both hubs in background threads (the lab's mirror calls this); returns the servers.

    config: {"hf_port", "modelscope_port", "seed_model", "models": [{"id", "name", "size_mb"}], "host"?}"""
    catalogue = Catalogue(config["models"], config["seed_model"])
    host = config.get("host", "0.0.0.0")
    servers = [make_server(HuggingFaceHandler, int(config["hf_port"]), catalogue, host),
               make_server(ModelScopeHandler, int(config["modelscope_port"]), catalogue, host)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    return servers


def main(argv):
    p = argparse.ArgumentParser(prog="hub.py", description="Serve the lab's synthetic models over the Hugging Face and ModelScope APIs.")
    p.add_argument("--hf-port", type=int, default=8081)
    p.add_argument("--modelscope-port", type=int, default=8082)
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--seed-model", required=True, help="path of lab/standins/seed-model")
    p.add_argument("--models", required=True, help='JSON list: [{"id": "Qwen/Qwen3-0.6B", "name": "Qwen3-0.6B", "size_mb": 50}]')
    args = p.parse_args(argv)
    servers = start({"hf_port": args.hf_port, "modelscope_port": args.modelscope_port, "host": args.host,
                     "seed_model": args.seed_model, "models": json.loads(args.models)})
    sys.stderr.write(f"lab hub: Hugging Face on :{servers[0].server_address[1]}, ModelScope on :{servers[1].server_address[1]}\n")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
