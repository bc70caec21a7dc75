"""The OpenAI-compatible HTTP API (standard library only): /health, /ping, /version, /v1/models,
/v1/chat/completions (also streamed), /v1/completions, /metrics.

Responses have OpenAI's (and vLLM's) shape; the text is deterministic: it names the model, the
parallel layout and the last user message, so a test can check what it sent reached this server.
Every request also runs one step on every GPU worker (a Ray call per worker), so a dead worker turns
into a failed request, as in real vLLM.
"""

import json
import re
import socketserver
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from vllm import log
from vllm.version import __version__

TOKEN_RE = re.compile(r"<\|[^|>]+\|>|\w+|[^\w\s]")
PIECE_RE = re.compile(r"\s*(?:\w+|[^\w\s])")


def count_tokens(text):
    return len(TOKEN_RE.findall(text))


def chat_prompt(messages):
    parts = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = "".join(c.get("text", "") for c in content if isinstance(c, dict))
        parts.append(f"<|im_start|>{m.get('role', 'user')}\n{content or ''}<|im_end|>\n")
    return "".join(parts) + "<|im_start|>assistant\n"


class ApiError(Exception):
    def __init__(self, status, message, kind, param=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.param = param

    def body(self):
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.status}}


class Engine:
    """What the API needs from the engine: names, limits, and a deterministic generate()."""

    def __init__(self, served_names, model_path, max_model_len, layout, step, log_requests=False):
        self.served_names = served_names
        self.model_path = model_path
        self.max_model_len = max_model_len
        self.layout = layout
        self.step = step  # callable(num_tokens) that runs on every worker; raises when one is gone
        self.lock = threading.Lock()
        self.created = int(time.time())
        self.requests = 0
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.dead = None
        self.log_requests = log_requests
        self.window = [0, 0, 0]  # prompt tokens, generated tokens, requests since the last stats line

    def stats_line(self, interval):
        """vLLM's periodic `Engine 000: Avg prompt throughput ...` line, or None when idle."""
        with self.lock:
            prompt, generated, requests = self.window
            self.window = [0, 0, 0]
        if not requests:
            return None
        return (f"Engine 000: Avg prompt throughput: {prompt / interval:.1f} tokens/s, Avg generation throughput: "
                f"{generated / interval:.1f} tokens/s, Running: 0 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.0%, "
                "Prefix cache hit rate: 0.0%")

    def reply_text(self, last_user):
        return (f"Hello from the vLLM lab stand-in: {self.served_names[0]} on {self.layout}. "
                f"You said: {last_user.strip()}")

    def generate(self, prompt, last_user, max_tokens):
        prompt_tokens = count_tokens(prompt)
        if max_tokens is None:
            max_tokens = self.max_model_len - prompt_tokens
        if prompt_tokens >= self.max_model_len:
            raise ApiError(400, f"This model's maximum context length is {self.max_model_len} tokens. However, your "
                                f"request has {prompt_tokens} input tokens. Please reduce the length of the input "
                                "messages.", "BadRequestError")
        if max_tokens + prompt_tokens > self.max_model_len:
            raise ApiError(400, f"'max_tokens' or 'max_completion_tokens' is too large: {max_tokens}. This model's "
                                f"maximum context length is {self.max_model_len} tokens and your request has "
                                f"{prompt_tokens} input tokens ({max_tokens} > {self.max_model_len} - "
                                f"{prompt_tokens}).", "BadRequestError")
        pieces = PIECE_RE.findall(self.reply_text(last_user))
        finish = "stop"
        if len(pieces) > max_tokens:
            pieces = pieces[:max_tokens]
            finish = "length"
        with self.lock:
            if self.dead:
                raise ApiError(500, "EngineCore encountered an issue. See stack trace (above) for the root cause.",
                               "InternalServerError")
            try:
                self.step(prompt_tokens + len(pieces))
            except Exception as e:  # a worker died or its node left the cluster
                self.dead = str(e)
                log.error("core_client.py:564", "Engine core proc EngineCore_DP0 died unexpectedly, shutting down "
                          "client.")
                raise ApiError(500, "EngineCore encountered an issue. See stack trace (above) for the root cause.",
                               "InternalServerError") from e
            self.requests += 1
            self.prompt_tokens += prompt_tokens
            self.generation_tokens += len(pieces)
            self.window[0] += prompt_tokens
            self.window[1] += len(pieces)
            self.window[2] += 1
        return pieces, prompt_tokens, finish


class Handler(BaseHTTPRequestHandler):
    server_version = "uvicorn"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    # -- plumbing -----------------------------------------------------------------------------

    def log_message(self, fmt, *args):  # uvicorn-style access log instead of http.server's
        pass

    def access(self, status):
        if not self.server.access_log:
            return
        phrase = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
                  500: "Internal Server Error"}.get(status, "")
        log.uvicorn(f'{self.client_address[0]}:{self.client_address[1]} - "{self.command} {self.path} '
                    f'{self.request_version}" {status} {phrase}')

    def send(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response_only(status)
        self.send_header("date", self.date_time_string())
        self.send_header("server", "uvicorn")
        self.send_header("content-length", str(len(data)))
        self.send_header("content-type", content_type)
        self.end_headers()
        self.wfile.write(data)
        self.access(status)

    def read_json(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"null")
        except ValueError as e:
            raise ApiError(400, f"JSON decode error: {e}", "BadRequestError")
        if not isinstance(body, dict):
            raise ApiError(400, "Input should be a valid dictionary or object to extract fields from",
                           "BadRequestError")
        return body

    def authorized(self):
        keys = self.server.api_keys
        if not keys or not self.path.startswith("/v1"):
            return True
        return self.headers.get("authorization", "") in {f"Bearer {k}" for k in keys}

    def engine(self):
        return self.server.engine

    # -- routes -------------------------------------------------------------------------------

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if not self.authorized():
            return self.send(401, {"error": "Unauthorized"})
        e = self.engine()
        if path == "/health":
            return self.send(500 if e.dead else 200, b"", "application/json")
        if path == "/ping":
            return self.send(500 if e.dead else 200, b"", "application/json")
        if path == "/version":
            return self.send(200, {"version": __version__})
        if path == "/v1/models":
            return self.send(200, {"object": "list", "data": [
                {"id": name, "object": "model", "created": e.created, "owned_by": "vllm", "root": e.model_path,
                 "parent": None, "max_model_len": e.max_model_len,
                 "permission": [{"id": f"modelperm-{uuid.uuid4().hex}", "object": "model_permission",
                                 "created": e.created, "allow_create_engine": False, "allow_sampling": True,
                                 "allow_logprobs": True, "allow_search_indices": False, "allow_view": True,
                                 "allow_fine_tuning": False, "organization": "*", "group": None,
                                 "is_blocking": False}]} for name in e.served_names]})
        if path == "/metrics":
            text = (f"# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{{model_name=\"{e.served_names[0]}\"}} 0.0\n"
                    f"# TYPE vllm:prompt_tokens_total counter\nvllm:prompt_tokens_total{{model_name=\"{e.served_names[0]}\"}} {float(e.prompt_tokens)}\n"
                    f"# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total{{model_name=\"{e.served_names[0]}\"}} {float(e.generation_tokens)}\n")
            return self.send(200, text.encode(), "text/plain; version=0.0.4; charset=utf-8")
        if path in ("/v1/chat/completions", "/v1/completions"):
            return self.send(405, {"detail": "Method Not Allowed"})
        return self.send(404, {"detail": "Not Found"})

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        if not self.authorized():
            return self.send(401, {"error": "Unauthorized"})
        try:
            if path == "/v1/chat/completions":
                return self.chat(self.read_json())
            if path == "/v1/completions":
                return self.completions(self.read_json())
        except ApiError as err:
            return self.send(err.status, err.body())
        if path in ("/health", "/v1/models", "/version", "/ping", "/metrics"):
            return self.send(405, {"detail": "Method Not Allowed"})
        return self.send(404, {"detail": "Not Found"})

    def check_model(self, body):
        e = self.engine()
        model = body.get("model")
        if model is not None and model not in e.served_names:
            raise ApiError(404, f"The model `{model}` does not exist.", "NotFoundError", "model")
        return model or e.served_names[0]

    def max_tokens(self, body):
        value = body.get("max_completion_tokens", body.get("max_tokens"))
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ApiError(400, "max_tokens must be at least 1, got %s." % value, "BadRequestError")
        return value

    def chat(self, body):
        model = self.check_model(body)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ApiError(400, "[{'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field required'}]",
                           "BadRequestError")
        last_user = ""
        for m in messages:
            if isinstance(m, dict) and m.get("role") == "user":
                c = m.get("content")
                last_user = c if isinstance(c, str) else "".join(
                    p.get("text", "") for p in c or [] if isinstance(p, dict))
        pieces, prompt_tokens, finish = self.engine().generate(chat_prompt(messages), last_user,
                                                               self.max_tokens(body))
        rid = f"chatcmpl-{uuid.uuid4().hex}"
        if self.engine().log_requests:
            log.info("logger.py:49", "Received request %s: params: SamplingParams(n=1, temperature=%s, max_tokens=%s), "
                     "prompt_token_ids: None, lora_request: None.", rid, body.get("temperature", 1.0),
                     self.max_tokens(body))
        created = int(time.time())
        usage = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + len(pieces),
                 "completion_tokens": len(pieces), "prompt_tokens_details": None}
        if body.get("stream"):
            return self.stream(rid, created, model, pieces, finish, usage, chat=True,
                               include_usage=bool((body.get("stream_options") or {}).get("include_usage")))
        self.send(200, {
            "id": rid, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(pieces), "refusal": None,
                                                 "annotations": None, "audio": None, "function_call": None,
                                                 "tool_calls": [], "reasoning_content": None},
                         "logprobs": None, "finish_reason": finish, "stop_reason": None, "token_ids": None}],
            "service_tier": None, "system_fingerprint": None, "usage": usage, "prompt_logprobs": None,
            "prompt_token_ids": None, "kv_transfer_params": None})

    def completions(self, body):
        model = self.check_model(body)
        prompt = body.get("prompt")
        if isinstance(prompt, list):
            prompt = " ".join(str(p) for p in prompt)
        if not isinstance(prompt, str):
            raise ApiError(400, "Either prompt or prompt_embeds must be provided and non-empty.", "BadRequestError")
        pieces, prompt_tokens, finish = self.engine().generate(prompt, prompt, self.max_tokens(body) or 16)
        rid = f"cmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        usage = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + len(pieces),
                 "completion_tokens": len(pieces), "prompt_tokens_details": None}
        if body.get("stream"):
            return self.stream(rid, created, model, pieces, finish, usage, chat=False,
                               include_usage=bool((body.get("stream_options") or {}).get("include_usage")))
        self.send(200, {"id": rid, "object": "text_completion", "created": created, "model": model,
                        "choices": [{"index": 0, "text": "".join(pieces), "logprobs": None, "finish_reason": finish,
                                     "stop_reason": None, "prompt_logprobs": None}],
                        "service_tier": None, "system_fingerprint": None, "usage": usage, "kv_transfer_params": None})

    def stream(self, rid, created, model, pieces, finish, usage, chat, include_usage):
        self.send_response_only(200)
        self.send_header("date", self.date_time_string())
        self.send_header("server", "uvicorn")
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

        def event(obj):
            data = (f"data: {obj}\n\n" if isinstance(obj, str) else f"data: {json.dumps(obj)}\n\n").encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

        kind = "chat.completion.chunk" if chat else "text_completion"
        if chat:
            event({"id": rid, "object": kind, "created": created, "model": model,
                   "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                                "finish_reason": None}]})
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            choice = ({"index": 0, "delta": {"content": piece}} if chat else {"index": 0, "text": piece})
            choice.update({"logprobs": None, "finish_reason": finish if last else None})
            if last:
                choice["stop_reason"] = None
            event({"id": rid, "object": kind, "created": created, "model": model, "choices": [choice]})
        if include_usage:
            event({"id": rid, "object": kind, "created": created, "model": model, "choices": [], "usage": usage})
        event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.access(200)


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self):
        # http.server would look up the host's FQDN here, which waits for DNS on an intranet node.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host or "0.0.0.0"
        self.server_port = port

    def __init__(self, address, engine, api_keys, access_log):
        self.engine = engine
        self.api_keys = api_keys
        self.access_log = access_log
        super().__init__(address, Handler)


ROUTES = [("/openapi.json", "HEAD, GET"), ("/docs", "HEAD, GET"), ("/docs/oauth2-redirect", "HEAD, GET"),
          ("/redoc", "HEAD, GET"), ("/health", "GET"), ("/load", "GET"), ("/ping", "POST"), ("/ping", "GET"),
          ("/tokenize", "POST"), ("/detokenize", "POST"), ("/v1/models", "GET"), ("/version", "GET"),
          ("/v1/responses", "POST"), ("/v1/chat/completions", "POST"), ("/v1/completions", "POST"),
          ("/v1/embeddings", "POST"), ("/pooling", "POST"), ("/classify", "POST"), ("/score", "POST"),
          ("/v1/score", "POST"), ("/rerank", "POST"), ("/v1/rerank", "POST"), ("/invocations", "POST"),
          ("/metrics", "GET")]
