"""`vllm serve`: resolve the model and configuration, start the engine on the executor, serve HTTP.

The start-up log follows vLLM 0.17's, and so do the failures: the EngineCore error block and
`RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}`,
exit code 1. VLLM_LAB_STARTUP_DELAY (seconds) stretches the start-up as loading and compiling a
real model would.
"""

import json
import os
import signal
import socket
import sys
import threading
import time

from vllm import args as serve_args
from vllm import gpu_registry, log, model_files
from vllm.version import __version__


class StartupError(Exception):
    def __init__(self, exc_type, message, where="core.py:708", engine=True):
        super().__init__(message)
        self.exc_type = exc_type
        self.message = message
        self.where = where
        self.engine = engine


def banner(model):
    lines = ["",
             "       █     █     █▄   ▄█",
             f" ▄▄ ▄█ █     █     █ ▀▄▀ █  version {__version__}",
             f"  █▄█▀ █     █     █     █  model   {model}",
             "   ▀▀  ▀▀▀▀▀ ▀▀▀▀▀ ▀     ▀",
             ""]
    for line in lines:
        log.info("utils.py:302", line)


def non_default_args(args):
    d = serve_args.defaults()
    out = {}
    for key, value in vars(args).items():
        if key in ("subparser", "dispatch_function"):
            continue
        if key in d and value != d[key]:
            out[key] = value
    if args.model_tag is not None:
        out = {"model_tag": args.model_tag, **{k: v for k, v in out.items() if k != "model_tag"}}
    return out


def resolve_model(args):
    model = args.model_tag or args.model
    if args.model_tag and args.model != serve_args.defaults()["model"] and args.model != args.model_tag:
        raise StartupError("ValueError", "With `vllm serve`, you should provide the model as a positional argument or "
                           "in a config file instead of via the `--model` option.", "serve.py:55", engine=False)
    return model


def read_model_config(model):
    """The model folder's config.json, or the error Hugging Face would give for a missing model."""
    if not os.path.isdir(model):
        offline = os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("TRANSFORMERS_OFFLINE") == "1"
        if model.startswith(("/", "./", "../", "~")) or model.count("/") > 1:
            raise StartupError("huggingface_hub.errors.HFValidationError",
                               f"Repo id must be in the form 'repo_name' or 'namespace/repo_name': '{model}'. Use "
                               "`repo_type` argument if needed.", "config.py:110", engine=False)
        if offline:
            raise StartupError("OSError", f"We couldn't connect to 'https://huggingface.co' to load the files, and "
                               f"couldn't find them in the cached files.\nCheck your internet connection or see how to "
                               "run the library in offline mode at "
                               "'https://huggingface.co/docs/transformers/installation#offline-mode'.",
                               "config.py:110", engine=False)
        raise StartupError("OSError", f"We couldn't connect to 'https://huggingface.co' to load the files, and "
                           f"couldn't find them in the cached files.\nCheck your internet connection or see how to run "
                           "the library in offline mode at "
                           "'https://huggingface.co/docs/transformers/installation#offline-mode'.", "config.py:110",
                           engine=False)
    path = os.path.join(model, "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError:
        raise StartupError("ValueError", f"Invalid repository ID or local directory specified: '{model}'.\nPlease "
                           "verify the following requirements:\n1. Provide a valid Hugging Face repository ID.\n2. "
                           "Specify a local directory that contains a recognized configuration file.\n   - For Hugging "
                           "Face models: ensure the presence of a 'config.json'.", "config.py:98", engine=False)
    except ValueError as e:
        raise StartupError("json.decoder.JSONDecodeError", str(e), "config.py:98", engine=False)


def choose_backend(args, world_size):
    if args.distributed_executor_backend:
        return args.distributed_executor_backend
    if world_size == 1:
        return "uni"
    if gpu_registry.local_gpu_count() < world_size:
        try:
            import ray  # noqa: F401
        except ImportError as e:
            raise StartupError("ValueError", f"Unable to load Ray: {e}. Ray is required for multi-node inference, "
                               "please install Ray with `pip install ray`.", "parallel.py:480", engine=False)
        return "ray"
    return "mp"


def print_failure(err):
    label = "EngineCore_DP0" if err.engine else "APIServer"
    log.set_process_label(label)
    if err.engine:
        log.error(err.where, "EngineCore failed to start.")
    log.error(err.where, "Traceback (most recent call last):")
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    log.error(err.where, f'  File "{here}/v1/engine/core.py", line 699, in run_engine_core')
    log.error(err.where, "    engine_core = EngineCoreProc(*args, **kwargs)")
    log.error(err.where, f"{err.exc_type}: {err.message}")
    if err.engine:
        log.set_process_label("APIServer")
        sys.stdout.write(f"(APIServer pid={os.getpid()}) RuntimeError: Engine core initialization failed. See root "
                         "cause above. Failed core proc(s): {}\n")
        sys.stdout.flush()


def serve(args):
    log.set_process_label("APIServer")
    try:
        return _serve(args)
    except StartupError as e:
        print_failure(e)
        return 1


def _serve(args):
    from vllm.executor import EngineStartupError, LocalExecutor, RayExecutor

    model = resolve_model(args)
    banner(model)
    log.info("utils.py:238", "non-default args: %s", non_default_args(args))
    if args.api_key is None and os.environ.get("VLLM_API_KEY"):
        args.api_key = [os.environ["VLLM_API_KEY"]]
    hf = read_model_config(model)
    arch = (hf.get("architectures") or ["LlamaForCausalLM"])[0]
    log.info("model.py:547", "Resolved architecture: %s", arch)
    derived = int(hf.get("max_position_embeddings") or 2048)
    max_len = args.max_model_len or derived
    if max_len > derived and os.environ.get("VLLM_ALLOW_LONG_MAX_MODEL_LEN") != "1":
        raise StartupError("pydantic_core._pydantic_core.ValidationError",
                           f"1 validation error for ModelConfig\n  Value error, User-specified max_model_len "
                           f"({max_len}) is greater than the derived max_model_len (max_position_embeddings={derived} "
                           "or model_max_length=None in model's config.json). To allow overriding this maximum, set "
                           "the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used "
                           "with extreme caution.", "model.py:1554", engine=False)
    dtype = {"half": "torch.float16", "float16": "torch.float16", "bfloat16": "torch.bfloat16",
             "float": "torch.float32", "float32": "torch.float32"}.get(args.dtype, "torch.bfloat16")
    log.info("model.py:1554", "Using max model len %d", max_len)
    if args.gpu_memory_utilization <= 0 or args.gpu_memory_utilization > 1:
        raise StartupError("pydantic_core._pydantic_core.ValidationError",
                           "1 validation error for CacheConfig\ngpu_memory_utilization\n  Input should be less than "
                           f"or equal to 1 [type=less_than_equal, input_value={args.gpu_memory_utilization}, "
                           "input_type=float]", "cache.py:120", engine=False)
    tp, pp = args.tensor_parallel_size, args.pipeline_parallel_size
    if tp < 1 or pp < 1:
        raise StartupError("ValueError", "tensor_parallel_size and pipeline_parallel_size must be positive",
                           "parallel.py:400", engine=False)
    world = tp * pp
    backend = choose_backend(args, world)
    max_batched = args.max_num_batched_tokens or 2048
    if args.enable_chunked_prefill is not False:
        log.info("scheduler.py:225", "Chunked prefill is enabled with max_num_batched_tokens=%d.", max_batched)
    served = args.served_model_name or [model]

    log.set_process_label("EngineCore_DP0")
    log.info("core.py:77", "Initializing a V1 LLM engine (v%s) with config: model=%r, speculative_config=None, "
             "tokenizer=%r, skip_tokenizer_init=False, tokenizer_mode=auto, revision=None, "
             "tokenizer_revision=None, trust_remote_code=%s, dtype=%s, max_seq_len=%d, download_dir=%r, "
             "load_format=%s, tensor_parallel_size=%d, pipeline_parallel_size=%d, data_parallel_size=%d, "
             "disable_custom_all_reduce=%s, quantization=None, enforce_eager=%s, kv_cache_dtype=%s, device_config=cuda, "
             "seed=%s, served_model_name=%s, enable_prefix_caching=%s, enable_chunked_prefill=%s, "
             "distributed_executor_backend=%s", __version__, model, args.tokenizer or model, args.trust_remote_code,
             dtype, max_len, args.download_dir, args.load_format, tp, pp, args.data_parallel_size,
             args.disable_custom_all_reduce, args.enforce_eager, args.kv_cache_dtype, args.seed, served[0],
             args.enable_prefix_caching is not False, args.enable_chunked_prefill is not False, backend)
    manifest = model_files.manifest(model)
    if backend == "ray":
        executor = RayExecutor(tp, pp, model, manifest, args.gpu_memory_utilization)
    else:
        executor = LocalExecutor(backend, tp, pp, model, manifest, args.gpu_memory_utilization)
    started = time.time()
    try:
        cache = executor.start()
    except EngineStartupError as e:
        try:
            executor.shutdown(quiet=True)
        except Exception:
            pass
        print_failure(StartupError(e.exc_type, e.message, e.where, engine=True))
        executor.disconnect()
        return 1
    delay = float(os.environ.get("VLLM_LAB_STARTUP_DELAY", "0") or 0)
    if delay > 0:
        time.sleep(delay)
    used = cache[0]["used_mib"] if cache else 0
    weights_gib = sum(e["size"] for e in manifest.values()) / (1 << 30) / max(1, world)
    kv_gib = max(0.0, used / 1024 - weights_gib - 0.6)
    tokens = int(kv_gib * (1 << 30) / max(1, 2 * 2 * int(hf.get("num_hidden_layers", 28)) *
                                          int(hf.get("num_key_value_heads", 8)) * int(hf.get("head_dim", 128))))
    log.info("gpu_worker.py:298", "Available KV cache memory: %.2f GiB", kv_gib)
    log.info("kv_cache_utils.py:1087", "GPU KV cache size: %s tokens", f"{tokens:,}")
    log.info("kv_cache_utils.py:1091", "Maximum concurrency for %s tokens per request: %.2fx", f"{max_len:,}",
             tokens / max(1, max_len))
    log.info("core.py:210", "init engine (profile, create kv cache, warmup model) took %.2f seconds",
             time.time() - started)
    for p in sorted(executor.placements, key=lambda p: p["rank"]):
        log.info("core.py:212", "lab: worker rank %d on %s (%s), GPU %d, pid %d", p["rank"], p["host"], p["ip"],
                 p["gpu"], p["pid"])

    from vllm.entrypoints.api_server import ROUTES, ApiServer, Engine

    log.set_process_label("APIServer")
    layout = (f"{executor.nodes} node(s), {world} GPU(s) (TP={tp}, PP={pp})")
    engine = Engine(served, model, max_len, layout, executor.step, log_requests=bool(args.enable_log_requests))
    log.set_uvicorn_level(args.uvicorn_log_level)
    host = args.host if args.host is not None else ""
    family = socket.AF_INET6 if host and ":" in host else socket.AF_INET
    ApiServer.address_family = family
    try:
        server = ApiServer((host, args.port), engine, args.api_key or [], not args.disable_uvicorn_access_log)
    except OSError as e:
        executor.shutdown()
        executor.disconnect()
        sys.stdout.write(f"ERROR:    [Errno {e.errno}] error while attempting to bind on address "
                         f"('{host or '0.0.0.0'}', {args.port}): {e.strerror}\n")
        return 1
    log.info("api_server.py:1885", "Supported tasks: ['generate']")
    log.info("api_server.py:1977", "Starting vLLM API server 0 on http://%s:%d", host or "0.0.0.0", args.port)
    log.info("launcher.py:36", "Available routes are:")
    for route, methods in ROUTES:
        log.info("launcher.py:44", "Route: %s, Methods: %s", route, methods)
    log.uvicorn(f"Started server process [{os.getpid()}]")
    log.uvicorn("Waiting for application startup.")
    log.uvicorn("Application startup complete.")

    stop = threading.Event()
    exit_code = [0]

    def on_signal(_sig, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def monitor():
        while not stop.wait(5):
            if not executor.alive():
                engine.dead = "a worker is gone"
                log.set_process_label("EngineCore_DP0")
                log.error("core.py:730", "A worker died or its node left the Ray cluster: the engine is dead.")
                log.set_process_label("APIServer")
                log.error("core_client.py:564", "Engine core proc EngineCore_DP0 died unexpectedly, shutting down "
                          "client.")
                exit_code[0] = 1
                stop.set()

    def stats():
        while not stop.wait(10):
            line = engine.stats_line(10.0)
            if line and not args.disable_log_stats:
                log.info("loggers.py:127", line)

    threading.Thread(target=monitor, daemon=True).start()
    threading.Thread(target=stats, daemon=True).start()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    while not stop.wait(0.5):
        pass
    log.info("launcher.py:110", "Shutting down FastAPI HTTP server.")
    server.shutdown()
    server.server_close()
    try:
        executor.shutdown()
        executor.disconnect()
    except Exception:
        pass
    log.uvicorn("Shutting down")
    log.uvicorn("Waiting for application shutdown.")
    log.uvicorn("Application shutdown complete.")
    return exit_code[0]
