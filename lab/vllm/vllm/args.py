"""`vllm serve` arguments: the names, short forms, types and choices of vLLM's (0.1x) CLI.

All are accepted and shown in `non-default args`; the stand-in acts on the ones that matter to a
deployment (model, host, port, parallel sizes, executor backend, served names, max model len, GPU
memory utilization, API key, logging); the others only have to parse as in vLLM, so that a command
line that works on a real server works here and a typo fails as it does there.
"""

import argparse
import json
import re

EXECUTOR_BACKENDS = ["external_launcher", "mp", "ray", "uni"]
DTYPES = ["auto", "bfloat16", "float", "float16", "float32", "half"]
KV_CACHE_DTYPES = ["auto", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2", "fp8_inc", "fp8_ds_mla"]
UVICORN_LEVELS = ["critical", "debug", "error", "info", "trace", "warning"]


def human_int(value):
    """An int, also written like 32k, 1M or 1_000 (vLLM accepts these for --max-model-len)."""
    text = str(value).strip().replace("_", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG]?)", text)
    if not m:
        raise argparse.ArgumentTypeError(f"invalid int value: '{value}'")
    number, suffix = m.groups()
    mult = {"": 1, "k": 1000, "K": 1024, "m": 1000 ** 2, "M": 1024 ** 2, "g": 1000 ** 3, "G": 1024 ** 3}[suffix]
    result = float(number) * mult
    if result != int(result):
        raise argparse.ArgumentTypeError(f"invalid int value: '{value}'")
    return int(result)


human_int.__name__ = "int"


def json_value(value):
    try:
        return json.loads(value)
    except ValueError:
        return value


json_value.__name__ = "json"

BOOL = "bool"  # BooleanOptionalAction: --x / --no-x

# (flags, kwargs) grouped as vLLM's help groups them.
FRONTEND = [
    (["--host"], dict(type=str, default=None, help="Host name.")),
    (["--port"], dict(type=int, default=8000, help="Port number.")),
    (["--uds"], dict(type=str, default=None, help="Unix domain socket path.")),
    (["--uvicorn-log-level"], dict(type=str, default="info", choices=UVICORN_LEVELS,
                                   help="Log level for uvicorn.")),
    (["--disable-uvicorn-access-log"], dict(kind=BOOL, default=False, help="Disable uvicorn access log.")),
    (["--allow-credentials"], dict(kind=BOOL, default=False, help="Allow credentials.")),
    (["--allowed-origins"], dict(type=json_value, default=["*"], help="Allowed origins.")),
    (["--allowed-methods"], dict(type=json_value, default=["*"], help="Allowed methods.")),
    (["--allowed-headers"], dict(type=json_value, default=["*"], help="Allowed headers.")),
    (["--api-key"], dict(type=str, nargs="+", default=None,
                         help="If provided, the server will require one of these keys in the header.")),
    (["--lora-modules"], dict(type=str, nargs="+", default=None, help="LoRA modules configurations.")),
    (["--chat-template"], dict(type=str, default=None, help="The file path to the chat template.")),
    (["--chat-template-content-format"], dict(type=str, default="auto", choices=["auto", "openai", "string"])),
    (["--trust-request-chat-template"], dict(kind=BOOL, default=False)),
    (["--response-role"], dict(type=str, default="assistant")),
    (["--ssl-keyfile"], dict(type=str, default=None)),
    (["--ssl-certfile"], dict(type=str, default=None)),
    (["--ssl-ca-certs"], dict(type=str, default=None)),
    (["--enable-ssl-refresh"], dict(kind=BOOL, default=False)),
    (["--ssl-cert-reqs"], dict(type=int, default=0)),
    (["--root-path"], dict(type=str, default=None)),
    (["--middleware"], dict(type=str, action="append", default=[])),
    (["--return-tokens-as-token-ids"], dict(kind=BOOL, default=False)),
    (["--disable-frontend-multiprocessing"], dict(kind=BOOL, default=False)),
    (["--enable-request-id-headers"], dict(kind=BOOL, default=False)),
    (["--enable-auto-tool-choice"], dict(kind=BOOL, default=False)),
    (["--exclude-tools-when-tool-choice-none"], dict(kind=BOOL, default=False)),
    (["--tool-call-parser"], dict(type=str, default=None)),
    (["--tool-parser-plugin"], dict(type=str, default="")),
    (["--tool-server"], dict(type=str, default=None)),
    (["--log-config-file"], dict(type=str, default=None)),
    (["--max-log-len"], dict(type=int, default=None)),
    (["--disable-fastapi-docs"], dict(kind=BOOL, default=False)),
    (["--enable-prompt-tokens-details"], dict(kind=BOOL, default=False)),
    (["--enable-server-load-tracking"], dict(kind=BOOL, default=False)),
    (["--enable-force-include-usage"], dict(kind=BOOL, default=False)),
    (["--enable-tokenizer-info-endpoint"], dict(kind=BOOL, default=False)),
    (["--enable-log-outputs"], dict(kind=BOOL, default=False)),
    (["--h11-max-incomplete-event-size"], dict(type=int, default=4194304)),
    (["--h11-max-header-count"], dict(type=int, default=256)),
    (["--log-error-stack"], dict(kind=BOOL, default=False)),
]

MODEL = [
    (["--model"], dict(type=str, default="Qwen/Qwen3-0.6B", help="Name or path of the Hugging Face model to use.")),
    (["--runner"], dict(type=str, default="auto", choices=["auto", "draft", "generate", "pooling"])),
    (["--convert"], dict(type=str, default="auto", choices=["auto", "classify", "embed", "none", "reward"])),
    (["--task"], dict(type=str, default=None)),
    (["--tokenizer"], dict(type=str, default=None)),
    (["--tokenizer-mode"], dict(type=str, default="auto")),
    (["--trust-remote-code"], dict(kind=BOOL, default=False)),
    (["--dtype"], dict(type=str, default="auto", choices=DTYPES)),
    (["--seed"], dict(type=int, default=None)),
    (["--hf-config-path"], dict(type=str, default=None)),
    (["--allowed-local-media-path"], dict(type=str, default="")),
    (["--allowed-media-domains"], dict(type=str, nargs="+", default=None)),
    (["--revision"], dict(type=str, default=None)),
    (["--code-revision"], dict(type=str, default=None)),
    (["--tokenizer-revision"], dict(type=str, default=None)),
    (["--max-model-len"], dict(type=human_int, default=None, help="Model context length (prompt and output).")),
    (["--quantization", "-q"], dict(type=str, default=None)),
    (["--enforce-eager"], dict(kind=BOOL, default=False)),
    (["--max-logprobs"], dict(type=int, default=20)),
    (["--logprobs-mode"], dict(type=str, default="raw_logprobs",
                               choices=["processed_logits", "processed_logprobs", "raw_logits", "raw_logprobs"])),
    (["--disable-sliding-window"], dict(kind=BOOL, default=False)),
    (["--disable-cascade-attn"], dict(kind=BOOL, default=False)),
    (["--skip-tokenizer-init"], dict(kind=BOOL, default=False)),
    (["--enable-prompt-embeds"], dict(kind=BOOL, default=False)),
    (["--served-model-name"], dict(type=str, nargs="+", default=None,
                                   help="The model name(s) used in the API.")),
    (["--config-format"], dict(type=str, default="auto")),
    (["--hf-token"], dict(type=str, nargs="?", const=True, default=None)),
    (["--hf-overrides"], dict(type=json_value, default={})),
    (["--pooler-config"], dict(type=json_value, default=None)),
    (["--logits-processor-pattern"], dict(type=str, default=None)),
    (["--generation-config"], dict(type=str, default="auto")),
    (["--override-generation-config"], dict(type=json_value, default={})),
    (["--enable-sleep-mode"], dict(kind=BOOL, default=False)),
    (["--model-impl"], dict(type=str, default="auto", choices=["auto", "terratorch", "transformers", "vllm"])),
    (["--override-attention-dtype"], dict(type=str, default=None)),
    (["--logits-processors"], dict(type=str, nargs="+", default=None)),
    (["--io-processor-plugin"], dict(type=str, default=None)),
]

LOAD = [
    (["--load-format"], dict(type=str, default="auto")),
    (["--download-dir"], dict(type=str, default=None, help="Directory to download and load the weights.")),
    (["--safetensors-load-strategy"], dict(type=str, default="lazy")),
    (["--model-loader-extra-config"], dict(type=json_value, default={})),
    (["--ignore-patterns"], dict(type=str, nargs="+", default=["original/**/*"])),
    (["--use-tqdm-on-load"], dict(kind=BOOL, default=True)),
    (["--pt-load-map-location"], dict(type=json_value, default="cpu")),
]

STRUCTURED = [
    (["--reasoning-parser"], dict(type=str, default="")),
    (["--guided-decoding-backend"], dict(type=str, default=None, help=argparse.SUPPRESS)),
]

PARALLEL = [
    (["--distributed-executor-backend"], dict(type=str, default=None, choices=EXECUTOR_BACKENDS,
                                              help="Backend to use for distributed model workers.")),
    (["--pipeline-parallel-size", "-pp"], dict(type=int, default=1, help="Number of pipeline parallel groups.")),
    (["--tensor-parallel-size", "-tp"], dict(type=int, default=1, help="Number of tensor parallel groups.")),
    (["--decode-context-parallel-size", "-dcp"], dict(type=int, default=1)),
    (["--data-parallel-size", "-dp"], dict(type=int, default=1)),
    (["--data-parallel-rank", "-dpn"], dict(type=int, default=None)),
    (["--data-parallel-start-rank", "-dpr"], dict(type=int, default=None)),
    (["--data-parallel-size-local", "-dpl"], dict(type=int, default=None)),
    (["--data-parallel-address", "-dpa"], dict(type=str, default=None)),
    (["--data-parallel-rpc-port", "-dpp"], dict(type=int, default=None)),
    (["--data-parallel-backend", "-dpb"], dict(type=str, default="mp", choices=["mp", "ray"])),
    (["--data-parallel-hybrid-lb", "-dph"], dict(kind=BOOL, default=False)),
    (["--data-parallel-external-lb", "-dpe"], dict(kind=BOOL, default=False)),
    (["--enable-expert-parallel"], dict(kind=BOOL, default=False)),
    (["--enable-eplb"], dict(kind=BOOL, default=False)),
    (["--eplb-config"], dict(type=json_value, default={})),
    (["--expert-placement-strategy"], dict(type=str, default="linear", choices=["linear", "round_robin"])),
    (["--all2all-backend"], dict(type=str, default=None)),
    (["--max-parallel-loading-workers"], dict(type=int, default=None)),
    (["--ray-workers-use-nsight"], dict(kind=BOOL, default=False)),
    (["--disable-custom-all-reduce"], dict(kind=BOOL, default=False)),
    (["--worker-cls"], dict(type=str, default="auto")),
    (["--worker-extension-cls"], dict(type=str, default="")),
    (["--enable-dbo"], dict(kind=BOOL, default=False)),
    (["--dbo-decode-token-threshold"], dict(type=int, default=32)),
    (["--dbo-prefill-token-threshold"], dict(type=int, default=512)),
    (["--enable-multimodal-encoder-data-parallel"], dict(kind=BOOL, default=False)),
]

CACHE = [
    (["--block-size"], dict(type=int, default=None, choices=[1, 8, 16, 32, 64, 128])),
    (["--gpu-memory-utilization"], dict(type=float, default=0.9,
                                        help="The fraction of GPU memory to be used for the model executor.")),
    (["--kv-cache-memory-bytes"], dict(type=human_int, default=None)),
    (["--swap-space"], dict(type=float, default=4)),
    (["--kv-cache-dtype"], dict(type=str, default="auto", choices=KV_CACHE_DTYPES)),
    (["--num-gpu-blocks-override"], dict(type=int, default=None)),
    (["--enable-prefix-caching"], dict(kind=BOOL, default=None)),
    (["--prefix-caching-hash-algo"], dict(type=str, default="sha256", choices=["sha256", "sha256_cbor"])),
    (["--cpu-offload-gb"], dict(type=float, default=0)),
    (["--calculate-kv-scales"], dict(kind=BOOL, default=False)),
    (["--kv-sharing-fast-prefill"], dict(kind=BOOL, default=False)),
    (["--mamba-cache-dtype"], dict(type=str, default="auto")),
    (["--mamba-ssm-cache-dtype"], dict(type=str, default="auto")),
]

MULTIMODAL = [
    (["--limit-mm-per-prompt"], dict(type=json_value, default={})),
    (["--media-io-kwargs"], dict(type=json_value, default={})),
    (["--mm-processor-kwargs"], dict(type=json_value, default=None)),
    (["--mm-processor-cache-gb"], dict(type=float, default=4)),
    (["--disable-mm-preprocessor-cache"], dict(kind=BOOL, default=False)),
    (["--mm-processor-cache-type"], dict(type=str, default="lru", choices=["lru", "shm"])),
    (["--mm-encoder-tp-mode"], dict(type=str, default="weights", choices=["data", "weights"])),
    (["--interleave-mm-strings"], dict(kind=BOOL, default=False)),
    (["--skip-mm-profiling"], dict(kind=BOOL, default=False)),
]

LORA = [
    (["--enable-lora"], dict(kind=BOOL, default=None)),
    (["--max-loras"], dict(type=int, default=1)),
    (["--max-lora-rank"], dict(type=int, default=16)),
    (["--lora-dtype"], dict(type=str, default="auto")),
    (["--max-cpu-loras"], dict(type=int, default=None)),
    (["--fully-sharded-loras"], dict(kind=BOOL, default=False)),
]

OBSERVABILITY = [
    (["--show-hidden-metrics-for-version"], dict(type=str, default=None)),
    (["--otlp-traces-endpoint"], dict(type=str, default=None)),
    (["--collect-detailed-traces"], dict(type=str, nargs="+", default=None)),
]

SCHEDULER = [
    (["--max-num-batched-tokens"], dict(type=human_int, default=None)),
    (["--max-num-seqs"], dict(type=int, default=None, help="Maximum number of sequences per iteration.")),
    (["--max-num-partial-prefills"], dict(type=int, default=1)),
    (["--max-long-partial-prefills"], dict(type=int, default=1)),
    (["--cuda-graph-sizes"], dict(type=int, nargs="+", default=None)),
    (["--long-prefill-token-threshold"], dict(type=int, default=0)),
    (["--num-lookahead-slots"], dict(type=int, default=0)),
    (["--scheduling-policy"], dict(type=str, default="fcfs", choices=["fcfs", "priority"])),
    (["--enable-chunked-prefill"], dict(kind=BOOL, default=None)),
    (["--disable-chunked-mm-input"], dict(kind=BOOL, default=False)),
    (["--scheduler-cls"], dict(type=str, default=None)),
    (["--disable-hybrid-kv-cache-manager"], dict(kind=BOOL, default=False)),
    (["--async-scheduling"], dict(kind=BOOL, default=None)),
]

VLLM = [
    (["--speculative-config"], dict(type=json_value, default=None)),
    (["--kv-transfer-config"], dict(type=json_value, default=None)),
    (["--kv-events-config"], dict(type=json_value, default=None)),
    (["--ec-transfer-config"], dict(type=json_value, default=None)),
    (["--compilation-config", "-O"], dict(type=json_value, default={})),
    (["--additional-config"], dict(type=json_value, default={})),
    (["--structured-outputs-config"], dict(type=json_value, default={})),
]

SERVE_TOP = [
    (["--headless"], dict(action="store_true", default=False)),
    (["--api-server-count", "-asc"], dict(type=int, default=None)),
    (["--config"], dict(type=str, default=None, help="Read CLI options from a config file (YAML).")),
    (["--disable-log-stats"], dict(action="store_true", default=False)),
    (["--aggregate-engine-logging"], dict(action="store_true", default=False)),
    (["--enable-log-requests"], dict(kind=BOOL, default=False)),
    (["--disable-log-requests"], dict(kind=BOOL, default=True, help="[DEPRECATED] Disable logging requests.")),
]

GROUPS = [
    (None, SERVE_TOP),
    ("Frontend", FRONTEND),
    ("ModelConfig", MODEL),
    ("LoadConfig", LOAD),
    ("StructuredOutputsConfig", STRUCTURED),
    ("ParallelConfig", PARALLEL),
    ("CacheConfig", CACHE),
    ("MultiModalConfig", MULTIMODAL),
    ("LoRAConfig", LORA),
    ("ObservabilityConfig", OBSERVABILITY),
    ("SchedulerConfig", SCHEDULER),
    ("VllmConfig", VLLM),
]


def add_serve_args(parser):
    parser.add_argument("model_tag", type=str, nargs="?", help="The model tag to serve (optional if specified in "
                        "config)")
    for title, entries in GROUPS:
        target = parser if title is None else parser.add_argument_group(title)
        for flags, kw in entries:
            kw = dict(kw)
            if kw.pop("kind", None) == BOOL:
                kw["action"] = argparse.BooleanOptionalAction
            target.add_argument(*flags, **kw)
    return parser


def defaults():
    out = {"model_tag": None}
    for _title, entries in GROUPS:
        for flags, kw in entries:
            long = next(f for f in flags if f.startswith("--"))
            out[long[2:].replace("-", "_")] = kw.get("default")
    return out


def normalize_argv(argv):
    """vLLM's FlexibleArgumentParser: --snake_case flags mean --kebab-case, -O3 means -O 3."""
    out = []
    for a in argv:
        if a.startswith("--") and len(a) > 2:
            key, eq, val = a.partition("=")
            out.append(key.replace("_", "-") + eq + val)
        elif re.fullmatch(r"-O\d", a):
            out += ["-O", a[2:]]
        else:
            out.append(a)
    return out


def config_file_args(path):
    """--config FILE (YAML): its keys become --key value arguments, placed before the command line's."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        import yaml  # shipped with ray[default]
        data = yaml.safe_load(text) or {}
    except ImportError:
        data = json.loads(text)
    out = []
    for key, value in data.items():
        flag = "--" + str(key).replace("_", "-")
        if value is True:
            out.append(flag)
        elif value is False:
            out.append("--no-" + str(key).replace("_", "-"))
        elif isinstance(value, list):
            out.append(flag)
            out += [str(v) for v in value]
        elif isinstance(value, dict):
            out += [flag, json.dumps(value)]
        else:
            out += [flag, str(value)]
    return out
