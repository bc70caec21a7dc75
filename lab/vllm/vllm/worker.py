"""The GPU worker: one Ray actor per GPU, named RayWorkerWrapper as in vLLM (so Ray prefixes its log
lines with `(RayWorkerWrapper pid=..., ip=...)` and nvidia-smi shows `ray::RayWorkerWrapper`).

The driver calls the same steps as vLLM's executor: get_node_ip, get_node_and_gpu_ids, adjust_rank,
update_environment_variables, init_worker, init_device (here: the NIC variables, as NCCL and Gloo
would fail on them, and the GPU process registration), load_model (here: the model folder must
exist on this node with the head's files), initialize_cache (the memory vLLM takes), execute_model.
Any problem raises an error that names this node.
"""

import os
import socket
import time

from vllm import gpu_registry, log, model_files, netutil

PROCESS_NAME = "ray::RayWorkerWrapper"
CONTEXT_MIB = 520  # CUDA context and NCCL buffers before weights


class WorkerError(RuntimeError):
    pass


def _node_ip():
    try:
        import ray

        return ray.util.get_node_ip_address()
    except Exception:
        return netutil.get_ip()


class RayWorkerWrapper:
    def __init__(self, rpc_rank=0):
        self.rpc_rank = rpc_rank
        self.rank = rpc_rank
        self.local_rank = 0
        self.gpu_index = None
        self.used_mib = 0
        self.kwargs = {}

    # -- identity ---------------------------------------------------------------------------

    def where(self):
        return f"node {socket.gethostname()} ({_node_ip()})"

    def get_node_ip(self):
        return netutil.get_ip()

    def get_node_and_gpu_ids(self):
        import ray

        ctx = ray.get_runtime_context()
        ids = ctx.get_accelerator_ids().get("GPU", [])
        return ctx.get_node_id(), [int(x) for x in ids]

    def adjust_rank(self, rank_mapping):
        if self.rpc_rank in rank_mapping:
            self.rpc_rank = rank_mapping[self.rpc_rank]

    def update_environment_variables(self, envs_list):
        envs = envs_list[self.rpc_rank]
        key = "CUDA_VISIBLE_DEVICES"
        if key in envs and key in os.environ:
            # overwriting CUDA_VISIBLE_DEVICES is desired behavior
            os.environ.pop(key)
        for k, v in envs.items():
            if k in os.environ and os.environ[k] != v:
                log.warning("utils.py:2319", "Overwriting environment variable %s from '%s' to '%s'", k,
                            os.environ[k], v)
            os.environ[k] = v
        return sorted(envs)

    def init_worker(self, all_kwargs):
        self.kwargs = all_kwargs[self.rpc_rank]
        self.rank = self.kwargs["rank"]
        self.local_rank = self.kwargs["local_rank"]
        return self.rank

    def _fail(self, method, message):
        log.error("worker_base.py:620", "Error executing method %r. This might cause deadlock in distributed "
                  "execution.", method)
        raise WorkerError(f"{message}\n(vLLM worker rank {self.rank} on {self.where()})")

    # -- the steps that can fail on a node -------------------------------------------------

    def init_device(self):
        errors = netutil.check_socket_ifnames(os.environ)
        if errors:
            names = ", ".join(f"{k}={os.environ[k]}" for k in ("NCCL_SOCKET_IFNAME", "GLOO_SOCKET_IFNAME")
                              if os.environ.get(k))
            have = ", ".join(n for n, a in netutil.interface_addresses().items() if a) or "none"
            self._fail("init_device", f"{errors[0]}\nThe socket interface set for this worker ({names}) does not "
                                      f"exist here; interfaces with an address: {have}.")
        ids = self.get_node_and_gpu_ids()[1]
        self.gpu_index = ids[0] if ids else self.local_rank
        self.used_mib = CONTEXT_MIB
        self._register()
        return {"rank": self.rank, "gpu": self.gpu_index, "pid": os.getpid(), "host": socket.gethostname(),
                "ip": _node_ip()}

    def load_model(self, model_path, head_manifest):
        start = time.time()
        log.info("gpu_model_runner.py:2602", "Starting to load model %s...", model_path)
        if not os.path.isdir(model_path):
            self._fail("load_model", f"OSError: Incorrect path_or_model_id: '{model_path}'. Please provide either the "
                                     "path to a local folder or the repo_id of a model on the Hub.\nThe model folder "
                                     f"{model_path} does not exist on this node.")
        mine = model_files.manifest(model_path)
        diffs = model_files.differences(head_manifest, mine)
        if diffs:
            shown = "\n  ".join(diffs[:10]) + ("\n  ..." if len(diffs) > 10 else "")
            self._fail("load_model", f"The model folder {model_path} on this node differs from the head's:\n  {shown}")
        weights = model_files.weights_bytes(mine)
        world = max(1, int(self.kwargs.get("world_size", 1)))
        share_mib = weights / world / (1024 * 1024)
        self.used_mib = CONTEXT_MIB + int(share_mib)
        self._register()
        log.info("default_loader.py:267", "Loading weights took %.2f seconds", time.time() - start)
        log.info("gpu_model_runner.py:2653", "Model loading took %.4f GiB and %.6f seconds", share_mib / 1024,
                 time.time() - start)
        return {"weights_mib": share_mib}

    def initialize_cache(self, gpu_memory_utilization):
        total = gpu_registry.total_memory_mib()
        self.used_mib = max(self.used_mib, int(total * gpu_memory_utilization) - gpu_registry.CONTEXT_OVERHEAD_MIB)
        self._register()
        return {"used_mib": self.used_mib, "total_mib": total}

    def execute_model(self, num_tokens):
        return {"rank": self.rank, "tokens": num_tokens}

    def ping(self):
        return True

    def shutdown(self):
        if self.gpu_index is not None:
            gpu_registry.unregister(os.getpid(), self.gpu_index)
        return True

    def _register(self):
        try:
            gpu_registry.register(os.getpid(), self.gpu_index, self.used_mib, PROCESS_NAME)
        except OSError as e:
            log.warning("gpu_worker.py:232", "lab: could not register the GPU process for nvidia-smi: %s", e)
