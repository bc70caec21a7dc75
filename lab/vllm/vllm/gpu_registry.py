"""Registers a simulated GPU process for the lab's nvidia-smi stand-in.

One JSON file per process and GPU in /run/lab/gpu-processes/ (env LAB_GPU_PROCESSES_DIR):
{"pid", "gpu_index", "used_memory_mib", "process_name"}. nvidia-smi ignores files whose pid is gone,
so a killed worker disappears from its output as a real one does; a clean exit also removes the file.
"""

import json
import os
import tempfile

PROCESSES_DIR = "/run/lab/gpu-processes"
GPUS_FILE = "/etc/lab/gpus.json"
DEFAULT_TOTAL_MIB = 143771
CONTEXT_OVERHEAD_MIB = 9


def processes_dir():
    return os.environ.get("LAB_GPU_PROCESSES_DIR", PROCESSES_DIR)


def gpus_config():
    try:
        with open(os.environ.get("LAB_GPUS_FILE", GPUS_FILE), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def local_gpu_count():
    cfg = gpus_config()
    if cfg is None:
        return 0
    return int(cfg.get("count", len(cfg.get("uuids", [])) or 1))


def total_memory_mib():
    cfg = gpus_config() or {}
    return int(cfg.get("memory_total_mib", DEFAULT_TOTAL_MIB))


def path_for(pid, gpu_index):
    return os.path.join(processes_dir(), f"{pid}-{gpu_index}.json")


def register(pid, gpu_index, used_memory_mib, process_name):
    """Write (or update) the entry atomically. Returns the path, or raises OSError."""
    d = processes_dir()
    os.makedirs(d, exist_ok=True)
    data = json.dumps({"pid": pid, "gpu_index": gpu_index, "used_memory_mib": int(used_memory_mib),
                       "process_name": process_name}) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".gpu-", dir=d)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    target = path_for(pid, gpu_index)
    os.replace(tmp, target)
    return target


def unregister(pid, gpu_index):
    try:
        os.unlink(path_for(pid, gpu_index))
    except OSError:
        pass
