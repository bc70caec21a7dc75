"""Executors: Ray (vLLM's RayDistributedExecutor and ray_utils.initialize_ray_cluster, step by
step) and local (mp/uni: worker processes on this node only).

Failures raise EngineStartupError with the exception line vLLM would end with; the serve command
prints it as vLLM's EngineCore does and exits 1.
"""

import multiprocessing
import os
import socket
import time

from vllm import envcopy, gpu_registry, log, netutil
from vllm.worker import RayWorkerWrapper, WorkerError

PG_WAIT_TIMEOUT = 1800  # vLLM's; the lab may shorten it with VLLM_LAB_PG_WAIT_TIMEOUT


class EngineStartupError(Exception):
    """exc_type: the exception class vLLM raises; message: its text."""

    def __init__(self, exc_type, message, where="ray_utils.py:427"):
        super().__init__(message)
        self.exc_type = exc_type
        self.message = message
        self.where = where


def pg_wait_timeout():
    try:
        return float(os.environ.get("VLLM_LAB_PG_WAIT_TIMEOUT", PG_WAIT_TIMEOUT))
    except ValueError:
        return PG_WAIT_TIMEOUT


def rpc_timeout():
    try:
        return float(os.environ.get("VLLM_LAB_RPC_TIMEOUT", "600"))
    except ValueError:
        return 600.0


def cause_of(exc):
    """The worker's own error text out of a Ray error."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, WorkerError):
        return str(cause)
    text = str(exc)
    marker = "WorkerError: "
    if marker in text:
        return text.split(marker, 1)[1].strip()
    return f"{type(exc).__name__}: {text.strip()}" if text.strip() else repr(exc)


class RayExecutor:
    backend = "ray"

    def __init__(self, tp, pp, model_path, manifest, gpu_memory_utilization):
        self.tp, self.pp = tp, pp
        self.world_size = tp * pp
        self.model_path = model_path
        self.manifest = manifest
        self.util = gpu_memory_utilization
        self.workers = []
        self.placement_group = None
        self.nodes = 0
        self.placements = []

    # -- vllm/v1/executor/ray_utils.py: initialize_ray_cluster ------------------------------

    def initialize_ray_cluster(self):
        import ray

        local = gpu_registry.local_gpu_count()
        if self.world_size > 1 and self.world_size > local:
            log.warning("ray_utils.py:346", "Total GPU requirement (world_size=%d) exceeds locally visible GPUs "
                        "(%d). For multi-node Ray clusters, this may be expected if the total cluster has enough "
                        "GPUs. If running single-node, consider reducing tensor_parallel_size (%d) or "
                        "pipeline_parallel_size (%d).", self.world_size, local, self.tp, self.pp)
        if ray.is_initialized():
            log.info("ray_utils.py:360", "Ray is already initialized. Skipping Ray initialization.")
        else:
            ray.init(address=os.environ.get("RAY_ADDRESS") or None)
        current = ray.util.get_current_placement_group()
        if current:
            log.info("ray_utils.py:388", "Using the existing placement group")
            bundles = [b for b in current.bundle_specs if b.get("GPU", 0)]
            if self.world_size > len(bundles):
                raise EngineStartupError("ValueError", "The number of required GPUs exceeds the total number of "
                                         f"available GPUs in the placement group. Required number of devices: "
                                         f"{self.world_size}. Total number of devices: {len(bundles)}.")
            self.placement_group = current
        else:
            log.info("ray_utils.py:411", "No current placement group found. Creating a new placement group.")
            if self.world_size > ray.cluster_resources().get("GPU", 0):
                log.warning("ray_utils.py:418", "The number of required GPUs exceeds the total number of available "
                            "GPUs in the placement group.")
            specs = [{"GPU": 1.0} for _ in range(self.world_size)]
            current_ip = netutil.get_ip()
            node_id = ray.get_runtime_context().get_node_id()
            from ray._private.state import available_resources_per_node

            resources = available_resources_per_node().get(node_id, {})
            if resources.get("GPU", 0) < 1:
                raise EngineStartupError(
                    "ValueError", f"Current node has no GPU available. current_node_resource={resources}. vLLM engine "
                                  "cannot start without GPU. Make sure you have at least 1 GPU available in a node "
                                  f"current_node_id={node_id!r} current_ip={current_ip!r}.")
            specs[0][f"node:{current_ip}"] = 0.001
            self.placement_group = ray.util.placement_group(specs, strategy="PACK")
            self.wait_until_pg_ready(self.placement_group, specs)
        self.verify_bundles()

    def wait_until_pg_ready(self, pg, specs):
        import ray

        timeout = pg_wait_timeout()
        start = time.time()
        ref = pg.ready()
        interval = 10.0
        while time.time() - start < timeout:
            ready, _ = ray.wait([ref], timeout=max(0.1, min(interval, timeout - (time.time() - start))))
            if ready:
                break
            interval *= 2
            log.info("ray_utils.py:285", "Waiting for creating a placement group of specs for %d seconds. specs=%s. "
                     "Check `ray status` and `ray list nodes` to see if you have enough resources, and make sure the "
                     "IP addresses used by ray cluster are the same as VLLM_HOST_IP environment variable specified in "
                     "each node if you are running on a multi-node.", int(time.time() - start), specs)
        try:
            ray.get(ref, timeout=0)
        except ray.exceptions.GetTimeoutError:
            shown = f"{int(timeout)}" if timeout == int(timeout) else f"{timeout}"
            total = sum(s.get("GPU", 0) for s in specs)
            if total > 1:
                raise EngineStartupError(
                    "ValueError", f"Cannot provide a placement group requiring {total} GPUs "
                                  f"(placement_group_specs={specs}) within {shown} seconds.\nTensor parallel size may "
                                  "exceed available GPUs in your cluster. Check resources with `ray status` and "
                                  "`ray list nodes`.\nIf running on K8s with limited GPUs, consider reducing "
                                  "--tensor-parallel-size to match available GPU resources.", "ray_utils.py:305")
            raise EngineStartupError(
                "ValueError", f"Cannot provide a placement group of placement_group_specs={specs} within {shown} "
                              "seconds. See `ray status` and `ray list nodes` to make sure the cluster has enough "
                              "resources.", "ray_utils.py:316")

    def verify_bundles(self):
        import ray
        from ray.util import placement_group_table

        table = placement_group_table(self.placement_group)
        by_node = {}
        for idx, node_id in table["bundles_to_node_id"].items():
            by_node.setdefault(node_id, []).append(table["bundles"][idx])
        driver = ray.get_runtime_context().get_node_id()
        if driver not in by_node:
            raise EngineStartupError(
                "RuntimeError", f"driver node id {driver} is not included in a placement group "
                                f"{self.placement_group.id}. Node id -> bundles {by_node}. You don't have enough GPUs "
                                "available in a current node. Check `ray status` and `ray list nodes` to see if you "
                                "have available GPUs in a node `{driver_node_id}` before starting an vLLM engine.",
                "ray_utils.py:196")
        for node_id, bundles in by_node.items():
            if len(bundles) < self.tp:
                log.warning("ray_utils.py:205", "tensor_parallel_size=%d is bigger than a reserved number of GPUs (%d "
                            "GPUs) in a node %s. Tensor parallel workers can be spread out to 2+ nodes which can "
                            "degrade the performance unless you have fast interconnect across nodes, like Infiniband. "
                            "To resolve this issue, make sure you have more than %d GPUs available at each node.",
                            self.tp, len(bundles), node_id, self.tp)

    # -- vllm/v1/executor/ray_executor.py: _init_workers_ray --------------------------------

    def rpc(self, method, *args):
        import ray

        refs = [getattr(w, method).remote(*args) for w in self.workers]
        try:
            return ray.get(refs, timeout=rpc_timeout())
        except Exception as e:  # RayTaskError, RayActorError, GetTimeoutError
            raise EngineStartupError("RuntimeError", cause_of(e), "core.py:708") from e

    def start(self):
        import ray
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        self.initialize_ray_cluster()
        bundle_indices = [i for i, b in enumerate(self.placement_group.bundle_specs) if b.get("GPU", 0)]
        bundle_indices = bundle_indices[:self.world_size]
        actor_cls = ray.remote(RayWorkerWrapper)
        created = []
        for rank, bundle_id in enumerate(bundle_indices):
            strategy = PlacementGroupSchedulingStrategy(placement_group=self.placement_group,
                                                        placement_group_capture_child_tasks=True,
                                                        placement_group_bundle_index=bundle_id)
            worker = actor_cls.options(num_cpus=0, num_gpus=1, scheduling_strategy=strategy,
                                       runtime_env={"env_vars": {"RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES": "1"}}
                                       ).remote(rpc_rank=rank)
            created.append(worker)
        self.workers = created
        driver_ip = netutil.get_ip()
        ips = self.rpc("get_node_ip")
        counts = {}
        for ip in ips:
            counts[ip] = counts.get(ip, 0) + 1
        order = sorted(range(len(created)), key=lambda r: (0 if ips[r] == driver_ip else 1, counts[ips[r]], ips[r]))
        mapping = {created_rank: adjusted for adjusted, created_rank in enumerate(order)}
        self.workers = [created[r] for r in order]
        self.rpc("adjust_rank", mapping)
        node_gpus_list = self.rpc("get_node_and_gpu_ids")
        node_workers, node_gpus = {}, {}
        for i, (node_id, gpu_ids) in enumerate(node_gpus_list):
            node_workers.setdefault(node_id, []).append(i)
            node_gpus.setdefault(node_id, []).extend(int(x) for x in gpu_ids)
        for node_id in node_gpus:
            node_gpus[node_id] = sorted(node_gpus[node_id])
        all_ips = set(ips) | {driver_ip}
        if len(node_workers) != len(all_ips):
            raise EngineStartupError(
                "RuntimeError", f"Every node should have a unique IP address. Got {len(node_workers)} nodes with node "
                                f"ids {list(node_workers)} and {len(all_ips)} unique IP addresses {all_ips}. Please "
                                "check your network configuration. If you set `VLLM_HOST_IP` environment variable, "
                                "make sure it is unique for each node.", "ray_executor.py:262")
        self.nodes = len(node_workers)

        non_carry, path, warn = envcopy.load_non_carry_over(os.environ)
        if warn:
            log.warning("ray_env.py:31", "Failed to parse %s. Using an empty set for non-carry-over env vars.", path)
        names = envcopy.env_vars_to_copy(os.environ, non_carry)
        log.info("ray_env.py:98", "Env var prefixes to copy: %s", sorted(envcopy.prefixes_for(os.environ)))
        log.info("ray_env.py:99", "Copying the following environment variables to workers: %s",
                 sorted(n for n in names if n in os.environ))
        if non_carry:
            log.info("ray_env.py:105", "RAY_NON_CARRY_OVER_ENV_VARS from config: %s", non_carry)
        log.info("ray_env.py:110", "To exclude env vars from copying, add them to %s", path)
        env_args = []
        for node_id, _gpus in node_gpus_list:
            args = {"CUDA_VISIBLE_DEVICES": ",".join(map(str, node_gpus[node_id]))}
            for n in names:
                if n in os.environ:
                    args[n] = os.environ[n]
            env_args.append(args)
        self.rpc("update_environment_variables", env_args)

        init_ip = "127.0.0.1" if len(node_gpus) == 1 else driver_ip
        port = _open_port()
        all_kwargs = []
        for rank, (node_id, _gpus) in enumerate(node_gpus_list):
            all_kwargs.append({"rank": rank, "local_rank": node_workers[node_id].index(rank),
                               "world_size": self.world_size, "distributed_init_method": f"tcp://{init_ip}:{port}",
                               "is_driver_worker": rank % self.tp == 0})
        self.rpc("init_worker", all_kwargs)
        self.placements = self.rpc("init_device")
        self.rpc("load_model", self.model_path, self.manifest)
        return self.rpc("initialize_cache", self.util)

    def step(self, num_tokens):
        import ray

        refs = [w.execute_model.remote(num_tokens) for w in self.workers]
        ray.get(refs, timeout=60)

    def alive(self):
        import ray

        try:
            ray.get([w.ping.remote() for w in self.workers], timeout=30)
            return True
        except Exception:
            return False

    def shutdown(self, quiet=False):
        import ray

        if not quiet:
            log.info("ray_executor.py:121", "Shutting down Ray distributed executor. If you see error log from "
                     "logging.cc regarding SIGTERM received, please ignore because this is the expected termination "
                     "process in Ray.")
        if not ray.is_initialized():
            return
        try:
            ray.get([w.shutdown.remote() for w in self.workers], timeout=10)
        except Exception:
            pass
        for w in self.workers:
            try:
                ray.kill(w)
            except Exception:
                pass
        if self.placement_group is not None:
            try:
                ray.util.remove_placement_group(self.placement_group)
            except Exception:
                pass

    def disconnect(self):
        """Leave the cluster (stops Ray's log thread before the interpreter exits)."""
        import ray

        if ray.is_initialized():
            time.sleep(0.5)  # let Ray print what the workers logged last
            ray.shutdown()


def _open_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# mp / uni: workers are processes of this node
# ---------------------------------------------------------------------------------------------


def _local_worker(name, gpu_index, used_mib, conn):
    try:
        os.setsid()
    except OSError:
        pass
    try:
        gpu_registry.register(os.getpid(), gpu_index, used_mib, name)
    except OSError:
        pass
    try:
        conn.recv()
    except (EOFError, KeyboardInterrupt):
        pass
    gpu_registry.unregister(os.getpid(), gpu_index)


def local_process_name(rank, tp, pp):
    """The process title vLLM gives its workers (mp) or its engine core (uni)."""
    if tp * pp == 1:
        return "VLLM::EngineCore"
    if pp == 1:
        return f"VLLM::Worker_TP{rank}"
    return f"VLLM::Worker_PP{rank // tp}_TP{rank % tp}"


class LocalExecutor:
    def __init__(self, backend, tp, pp, model_path, manifest, gpu_memory_utilization):
        self.backend = backend
        self.tp, self.pp = tp, pp
        self.world_size = tp * pp
        self.util = gpu_memory_utilization
        self.model_path = model_path
        self.procs = []
        self.nodes = 1
        self.placements = []

    def start(self):
        local = gpu_registry.local_gpu_count()
        if self.world_size > local:
            raise EngineStartupError(
                "ValueError", f"World size ({self.world_size}) is larger than the number of available GPUs ({local}) "
                              "in this node. If this is intentional and you are using:\n- ray, set "
                              "'--distributed-executor-backend ray'.\n- multiprocessing, set '--nnodes' appropriately.",
                "parallel.py:512")
        errors = netutil.check_socket_ifnames(os.environ)
        if errors:
            raise EngineStartupError("RuntimeError", errors[0], "core.py:708")
        total = gpu_registry.total_memory_mib()
        used = int(total * self.util) - gpu_registry.CONTEXT_OVERHEAD_MIB
        ctx = multiprocessing.get_context("fork")
        for rank in range(self.world_size):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_local_worker, args=(local_process_name(rank, self.tp, self.pp), rank, used, child),
                            daemon=True)
            p.start()
            self.procs.append((p, parent))
            self.placements.append({"rank": rank, "gpu": rank, "pid": p.pid, "host": socket.gethostname(),
                                    "ip": netutil.get_ip()})
        return [{"used_mib": used, "total_mib": total}]

    def step(self, _num_tokens):
        for p, _c in self.procs:
            if not p.is_alive():
                raise RuntimeError(f"worker process {p.pid} died")

    def alive(self):
        return all(p.is_alive() for p, _c in self.procs)

    def disconnect(self):
        pass

    def shutdown(self, quiet=False):
        for p, c in self.procs:
            try:
                c.send("stop")
            except OSError:
                pass
        for p, _c in self.procs:
            p.join(timeout=5)
