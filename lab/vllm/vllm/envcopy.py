"""Which environment variables vLLM's Ray executor copies from the driver (head) to its workers.

As in vLLM's vllm/ray/ray_env.py after PR #34383 (prefix matching; v0.15 copied only vLLM's own
registered variables, and later releases copy everything): the union of
  1. the variables vLLM registers in vllm.envs (VLLM_* and a few others such as LD_LIBRARY_PATH),
  2. variables present in the driver's environment whose name starts with a prefix in
     DEFAULT_ENV_VAR_PREFIXES or VLLM_RAY_EXTRA_ENV_VAR_PREFIXES_TO_COPY (comma separated),
  3. PYTHONHASHSEED and the names in VLLM_RAY_EXTRA_ENV_VARS_TO_COPY,
  4. the executor's additional variables (HF_TOKEN, HUGGING_FACE_HUB_TOKEN),
minus the worker-specific ones (VLLM_HOST_IP, VLLM_HOST_PORT, LOCAL_RANK, CUDA_VISIBLE_DEVICES, ...)
and the names listed in $VLLM_CONFIG_ROOT/ray_non_carry_over_env_vars.json (default
~/.config/vllm/). GLOO_* matches no prefix, so GLOO_SOCKET_IFNAME stays per node; NCCL_SOCKET_IFNAME
does not, unless the file lists it.

Everything here is pure (the environment and the file's content are arguments), so it can be tested
without Ray.
"""

import json
import os

DEFAULT_ENV_VAR_PREFIXES = frozenset({"VLLM_", "LMCACHE_", "NCCL_", "UCX_", "HF_", "HUGGING_FACE_"})
DEFAULT_EXTRA_ENV_VARS = frozenset({"PYTHONHASHSEED"})

# RayDistributedExecutor: worker-specific, never copied; and the non-vLLM ones it adds.
WORKER_SPECIFIC_ENV_VARS = frozenset({
    "VLLM_HOST_IP", "VLLM_HOST_PORT", "LOCAL_RANK", "CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES",
    "ROCR_VISIBLE_DEVICES",
})
ADDITIONAL_ENV_VARS = frozenset({"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"})

# Names in vllm.envs.environment_variables that do not start with VLLM_ (those are covered by the prefix).
REGISTERED_NON_VLLM = frozenset({
    "MAX_JOBS", "NVCC_THREADS", "CMAKE_BUILD_TYPE", "VERBOSE", "LD_LIBRARY_PATH", "LOCAL_RANK",
    "CUDA_VISIBLE_DEVICES", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_ENDPOINT_URL",
    "Q_SCALE_CONSTANT", "K_SCALE_CONSTANT", "V_SCALE_CONSTANT",
})

NON_CARRY_OVER_FILE_NAME = "ray_non_carry_over_env_vars.json"


def config_root(environ):
    """VLLM_CONFIG_ROOT: $VLLM_CONFIG_ROOT, else $XDG_CONFIG_HOME/vllm, else ~/.config/vllm."""
    if environ.get("VLLM_CONFIG_ROOT"):
        return os.path.expanduser(environ["VLLM_CONFIG_ROOT"])
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".config")
    return os.path.join(os.path.expanduser(base), "vllm")


def non_carry_over_file(environ):
    return os.path.join(config_root(environ), NON_CARRY_OVER_FILE_NAME)


def parse_non_carry_over(text):
    """The file's content: a JSON list of names. Returns (names, warning or None)."""
    try:
        value = json.loads(text)
    except ValueError:
        return set(), "invalid JSON"
    if isinstance(value, (list, tuple, set)):
        return {str(v) for v in value}, None
    if isinstance(value, dict):  # set(json.load(f)) of an object takes its keys
        return set(value), None
    return set(), "not a list"


def load_non_carry_over(environ):
    """(names, path, warning): what vLLM reads at import time."""
    path = non_carry_over_file(environ)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return set(), path, None
    names, warn = parse_non_carry_over(text)
    return names, path, warn


def _csv(value):
    return {tok.strip() for tok in (value or "").split(",") if tok.strip()}


def prefixes_for(environ):
    return set(DEFAULT_ENV_VAR_PREFIXES) | _csv(environ.get("VLLM_RAY_EXTRA_ENV_VAR_PREFIXES_TO_COPY"))


def env_vars_to_copy(environ, non_carry_over=frozenset(), exclude_vars=WORKER_SPECIFIC_ENV_VARS,
                     additional_vars=ADDITIONAL_ENV_VARS):
    """The set of names to copy (vLLM's get_env_vars_to_copy), given the driver's environment."""
    prefixes = prefixes_for(environ)
    result = set(REGISTERED_NON_VLLM)
    result |= {n for n in environ if n.startswith("VLLM_")}  # registered vLLM variables that are set
    result |= {n for n in environ if any(n.startswith(p) for p in prefixes)}
    result |= set(DEFAULT_EXTRA_ENV_VARS) | _csv(environ.get("VLLM_RAY_EXTRA_ENV_VARS_TO_COPY"))
    result |= set(additional_vars or ())
    result -= set(exclude_vars or ()) | set(non_carry_over or ())
    return result


def copied_values(environ, non_carry_over=frozenset()):
    """name -> value of what the workers receive: the names above that the driver has set."""
    names = env_vars_to_copy(environ, non_carry_over)
    return {n: environ[n] for n in sorted(names) if n in environ}


def main(argv=None):
    """`python -m vllm.envcopy`: read {"environ": {...}, "non_carry_over": [...]} (JSON) on stdin,
    print the copied variables as JSON. For tests and for debugging a deployment."""
    import sys

    data = json.load(sys.stdin)
    environ = data.get("environ", {})
    if "non_carry_over_text" in data:
        names, _warn = parse_non_carry_over(data["non_carry_over_text"])
    else:
        names = set(data.get("non_carry_over", []))
    print(json.dumps({"copied": copied_values(environ, names), "prefixes": sorted(prefixes_for(environ)),
                      "file": non_carry_over_file(environ)}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
