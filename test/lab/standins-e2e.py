#!/usr/bin/env python3
"""End-to-end run of the vLLM stand-in on real Ray, on this machine, in namespaces of its own.

Run as root under
    unshare --pid --fork --kill-child --mount-proc --net --mount --uts --propagation private \
        python3 standins-e2e.py --venv VENV --repo REPO --work DIR --out RESULT.json
it makes a two-node "cluster" of network namespaces joined by a veth pair, as two servers whose
cluster NICs have different names: the head (hostname lab-head, NIC eno1, 10.77.0.1) and a worker
(lab-worker1, NIC ens3, 10.77.0.2, its own mount namespace), each with one simulated GPU and its own
/etc/lab-style files. Ray runs as the guide starts it (head, then the worker joining it). Then:

  nccl-carry-over  the head's NCCL_SOCKET_IFNAME=eno1 reaches the worker: vllm serve fails naming it
  happy            the same with ray_non_carry_over_env_vars.json: PP=2 across both nodes serves
                   /v1/chat/completions, nvidia-smi on each node lists its worker, SIGTERM cleans up
  model-differs    the worker's copy of the model differs: vllm serve fails naming the worker
  wrong-host-ip    VLLM_HOST_IP is not the head's Ray address: Ray's "No available node types can
                   fulfill resource request", then vLLM's placement-group timeout
  no-route         no default route and no VLLM_HOST_IP: vLLM's warning, node:0.0.0.0, timeout

Traffic stays inside the namespaces (10.77.0.0/24 exists only there). Everything started here dies
with the PID namespace when this script ends. The result is JSON written to --out.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

HEAD_IP, WORKER_IP = "10.77.0.1", "10.77.0.2"
GCS = f"{HEAD_IP}:6379"
WORKER_NS = "lab-worker1"


def log(msg):
    sys.stderr.write(f"[e2e {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def sh(*argv, check=True, env=None, timeout=120):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
    return r


class Harness:
    def __init__(self, a):
        self.venv = a.venv
        self.repo = a.repo
        self.work = a.work
        self.python = os.path.join(self.venv, "bin", "python")
        self.bin = os.path.join(self.venv, "bin")
        self.models = os.path.join(self.work, "models")
        self.results = {"scenarios": {}, "timings": {}}
        self.t0 = time.time()

    def mark(self, what):
        self.results["timings"][what] = round(time.time() - self.t0, 1)
        log(f"{what} at {self.results['timings'][what]}s")

    # -- the two nodes ---------------------------------------------------------------------

    def node_dir(self, node):
        return os.path.join(self.work, node)

    def node_env(self, node, **extra):
        d = self.node_dir(node)
        env = {
            "PATH": f"{self.bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": os.path.join(d, "home"),
            "LANG": "C.UTF-8",
            "RAY_USAGE_STATS_ENABLED": "0",
            "LAB_GPUS_FILE": os.path.join(d, "gpus.json"),
            "LAB_GPU_PROCESSES_DIR": os.path.join(d, "gpu-processes"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.update({k: v for k, v in extra.items() if v is not None})
        return env

    def setup_network(self):
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "link", "add", "eno1", "type", "veth", "peer", "name", "ens3w")
        sh("ip", "addr", "add", f"{HEAD_IP}/24", "dev", "eno1")
        sh("ip", "link", "set", "eno1", "up")
        # ip netns keeps its handles in /run/netns: /run is a tmpfs of this mount namespace, so nothing is
        # left behind on the machine.
        sh("mount", "-t", "tmpfs", "-o", "size=16m", "lab-run", "/run")
        sh("ip", "netns", "add", WORKER_NS)
        sh("ip", "link", "set", "ens3w", "netns", WORKER_NS)
        for cmd in (["ip", "link", "set", "ens3w", "name", "ens3"], ["ip", "addr", "add", f"{WORKER_IP}/24", "dev", "ens3"],
                    ["ip", "link", "set", "ens3", "up"], ["ip", "link", "set", "lo", "up"],
                    ["ip", "route", "add", "default", "dev", "ens3"]):
            sh("ip", "netns", "exec", WORKER_NS, *cmd)
        # The head has a default route, so vLLM's probe finds its address (no packet is sent).
        sh("ip", "route", "add", "default", "dev", "eno1")
        sh("hostname", "lab-head")

    def setup_files(self):
        os.makedirs(self.models, exist_ok=True)
        sh("mount", "-t", "tmpfs", "-o", "size=256m", "lab-models", self.models)
        seed = os.path.join(self.repo, "lab", "standins", "seed-model")
        for sub in ("same", "differs"):
            sh(sys.executable, seed, os.path.join(self.models, sub, "lab-model"), "--size-mb", "4", "--name", "lab-model")
        sh(sys.executable, seed, os.path.join(self.work, "worker-model", "lab-model"), "--size-mb", "4", "--name", "other")
        for node, index in (("head", 0), ("worker", 1)):
            d = self.node_dir(node)
            os.makedirs(os.path.join(d, "home"), exist_ok=True)
            os.makedirs(os.path.join(d, "gpu-processes"), exist_ok=True)
            with open(os.path.join(d, "gpus.json"), "w", encoding="utf-8") as f:
                json.dump({"count": 1, "name": "NVIDIA H200", "memory_total_mib": 143771,
                           "uuids": [f"GPU-00000000-0000-4000-8000-00000000000{index}"]}, f)

    def start_ray(self):
        head = self.node_env("head", VLLM_HOST_IP=HEAD_IP)
        r = sh(os.path.join(self.bin, "ray"), "start", "--head", f"--node-ip-address={HEAD_IP}", "--port=6379",
               "--num-gpus=1", "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats",
               f"--temp-dir={self.work}/ray", env=head, timeout=120)
        self.results["ray_start_head"] = r.stdout[-2000:]
        self.mark("ray head started")
        worker = self.node_env("worker", VLLM_HOST_IP=WORKER_IP)
        # Its own hostname, its own copy of the "differs" model, and its own Ray session directory: a
        # worker node takes the head's temp dir, which on one file system would be shared.
        inner = (f"hostname lab-worker1 && mount --bind {self.work}/worker-model/lab-model "
                 f"{self.models}/differs/lab-model && mount -t tmpfs -o size=512m ray-worker {self.work}/ray && "
                 f"exec ray start --address={GCS} --node-ip-address={WORKER_IP} --num-gpus=1 --num-cpus=2 "
                 "--disable-usage-stats")
        sh("ip", "netns", "exec", WORKER_NS, "unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c",
           inner, env=worker, timeout=120)
        self.wait_gpus_free(2, 90)
        self.mark("ray worker joined")

    def gpus(self):
        r = sh(os.path.join(self.bin, "ray"), "status", f"--address={GCS}", check=False, env=self.node_env("head"),
               timeout=60)
        m = re.search(r"([\d.]+)/([\d.]+) GPU", r.stdout)
        return (float(m.group(1)), float(m.group(2))) if m else (None, None)

    def wait_gpus_free(self, total, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            used, have = self.gpus()
            if have == total and used == 0:
                return
            time.sleep(1)
        raise RuntimeError(f"the cluster did not show {total} free GPUs in {timeout}s (ray status: {self.gpus()})")

    # -- vllm serve ------------------------------------------------------------------------

    def serve(self, name, model, env_extra, expect_serving, pp_timeout=None, port=8000):
        home = self.node_dir("head") + "/home"
        env = self.node_env("head", RAY_ADDRESS=GCS, **env_extra)
        if pp_timeout:
            env["VLLM_LAB_PG_WAIT_TIMEOUT"] = str(pp_timeout)
        argv = [os.path.join(self.bin, "vllm"), "serve", model, "--host", "0.0.0.0", "--port", str(port),
                "--distributed-executor-backend", "ray", "--max-model-len", "512", "--max-num-seqs", "1",
                "--gpu-memory-utilization", "0.8", "--tensor-parallel-size", "1", "--pipeline-parallel-size", "2",
                "--enable-prefix-caching", "--enable-chunked-prefill", "--dtype", "half"]
        start = time.time()
        out_path = os.path.join(self.work, f"serve-{name}.log")
        out = open(out_path, "w", encoding="utf-8")
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=home)
        result = {"argv": argv[1:], "env": {k: v for k, v in env_extra.items() if v is not None}}
        try:
            if expect_serving:
                result.update(self.exercise(proc, port))
                proc.send_signal(15)
            result["exit_code"] = proc.wait(timeout=150)
        except subprocess.TimeoutExpired:
            proc.kill()
            result["exit_code"] = proc.wait()
            result["timed_out"] = True
        out.close()
        result["seconds"] = round(time.time() - start, 1)
        with open(out_path, encoding="utf-8", errors="replace") as f:
            result["output"] = f.read()[-60000:]
        result["gpu_processes_left"] = {n: sorted(os.listdir(os.path.join(self.node_dir(n), "gpu-processes")))
                                        for n in ("head", "worker")}
        self.results["scenarios"][name] = result
        self.mark(f"scenario {name} (exit {result['exit_code']})")
        try:
            self.wait_gpus_free(2, 60)
        except RuntimeError as e:
            result["cluster_after"] = str(e)

    def exercise(self, proc, port):
        base = f"http://{HEAD_IP}:{port}"
        deadline = time.time() + 120
        got = {}
        while time.time() < deadline:
            if proc.poll() is not None:
                got["died_early"] = True
                return got
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except Exception:
                time.sleep(0.5)
        else:
            got["health_timeout"] = True
            return got
        got["health"] = 200
        with urllib.request.urlopen(f"{base}/v1/models", timeout=10) as r:
            got["models"] = json.load(r)
        body = json.dumps({"model": got["models"]["data"][0]["id"], "max_tokens": 64,
                           "messages": [{"role": "user", "content": "Hello from the e2e test"}]}).encode()
        req = urllib.request.Request(f"{base}/v1/chat/completions", data=body,
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            got["chat"] = json.load(r)
        smi = os.path.join(self.repo, "lab", "standins", "nvidia-smi")
        got["nvidia_smi"] = {}
        for node in ("head", "worker"):
            env = self.node_env(node)
            got["nvidia_smi"][node] = {
                "table": sh(sys.executable, smi, env=env).stdout,
                "apps": sh(sys.executable, smi, "--query-compute-apps=gpu_uuid,pid,process_name,used_memory",
                           "--format=csv,noheader,nounits", env=env).stdout,
            }
        return got

    def run(self):
        self.setup_network()
        self.setup_files()
        self.mark("namespaces ready")
        self.start_ray()
        same = os.path.join(self.models, "same", "lab-model")
        config = os.path.join(self.node_dir("head"), "home", ".config", "vllm")
        self.serve("nccl-carry-over", same, {"VLLM_HOST_IP": HEAD_IP, "NCCL_SOCKET_IFNAME": "eno1"}, False)
        os.makedirs(config, exist_ok=True)
        with open(os.path.join(config, "ray_non_carry_over_env_vars.json"), "w", encoding="utf-8") as f:
            json.dump(["NCCL_SOCKET_IFNAME"], f)
        self.serve("happy", same, {"VLLM_HOST_IP": HEAD_IP, "NCCL_SOCKET_IFNAME": "eno1",
                                   "VLLM_LAB_STARTUP_DELAY": "1"}, True)
        self.serve("model-differs", os.path.join(self.models, "differs", "lab-model"), {"VLLM_HOST_IP": HEAD_IP},
                   False)
        self.serve("wrong-host-ip", same, {"VLLM_HOST_IP": "10.77.0.9"}, False, pp_timeout=8)
        sh("ip", "route", "del", "default")
        self.serve("no-route", same, {}, False, pp_timeout=8)
        sh("ip", "route", "add", "default", "dev", "eno1")
        self.mark("done")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--venv", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--as-child", action="store_true")
    a = p.parse_args()
    if os.getpid() == 1 and not a.as_child:
        # PID 1 of the namespace: reap every orphan (Ray's daemons) until the harness ends.
        child = subprocess.Popen([sys.executable, __file__, *sys.argv[1:], "--as-child"])
        while True:
            pid, status = os.wait()
            if pid == child.pid:
                sys.exit(os.waitstatus_to_exitcode(status))
    h = Harness(a)
    code = 0
    try:
        h.run()
    except Exception as e:  # reported in the result; the test shows it
        import traceback

        h.results["error"] = f"{e}\n{traceback.format_exc()}"
        code = 1
    h.results["timings"]["total"] = round(time.time() - h.t0, 1)
    with open(a.out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(h.results, f, indent=1)
    shutil.move(a.out + ".tmp", a.out)
    sys.exit(code)


if __name__ == "__main__":
    main()
