"""A loopback server that speaks Ollama's HTTP API, for tests and demos.

Serve it by hand with ``python -m testkit.fake_ollama --port 11434 [--token-delay 0.05]``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from typing import Any, Self
from urllib.parse import urlsplit

CHAT_PATHS = ("/api/chat", "/v1/chat/completions")
TOKEN_RE = re.compile(r"\S+\s*|\s+")
THINK_LEVELS = ("low", "medium", "high")
STATUS_FAULTS = {
    "404": (404, "model '{model}' not found"),
    "500": (500, "llama runner process has terminated: exit status 2"),
    "503": (503, "server busy, please try again.  maximum pending requests exceeded"),
    "429": (429, "too many requests"),
    "400": (400, "invalid request"),
}
STREAM_FAULTS = ("drop", "stall", "slow_first_byte", "error_line")
MID_STREAM_ERROR = "an error was encountered while running the model: unexpected EOF"
PULL_MISSING = "pull model manifest: file does not exist"
# server/routes.go (ChatHandler): a cloud model (name tagged `-cloud`, run on ollama.com) on a server that has
# not run `ollama signin` is refused with 401 and the URL that signs this server in.
CLOUD_SUFFIX = "-cloud"
SIGNIN_URL = "https://ollama.com/connect?name=fake-host&key=ZmFrZS1wdWJsaWMta2V5"
# server/routes.go (shouldUseHarmony): the gpt-oss family, told by details.family and harmony's tags in the
# template, never by the model's name.
HARMONY_FAMILIES = ("gptoss", "gpt-oss")
HARMONY_TEMPLATE = (
    "<|start|>system<|message|>{{ .System }}<|end|>{{- range .Messages }}<|start|>{{ .Role }}<|message|>"
    "{{ .Content }}<|end|>{{- end }}<|start|>assistant"
)
MODIFIED_AT = "2025-10-01T12:00:00.000000Z"
DEFAULT_KEEP_ALIVE = 300.0
CONTEXT_LENGTH = 32768
# server: the window a model gets when a request sets no `num_ctx` (api/types.go DefaultOptions: 4096;
# server/sched.go gives the gpt-oss family 8192 when the GPU has 20 GiB or more, as a demo machine has).
DEFAULT_NUM_CTX = 4096
GPT_OSS_NUM_CTX = 8192
MESSAGE_OVERHEAD = 4  # template tokens around each message, in this stand-in's token count
PROMPT_EVAL_NS = 2_000_000
KEEP_ALIVE_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass
class FakeModel:
    """An installed (or pullable) model and the canned reply it streams."""

    name: str
    capabilities: list[str] = field(default_factory=lambda: ["completion"])
    family: str = "llama"
    parameter_size: str = "7B"
    quantization_level: str = "Q4_K_M"
    size: int = 4_000_000_000
    thinking: str = "Let me think about this. The user said {prompt}."
    answer: str = "You said: {prompt}"
    answer_tokens: int | None = None
    inline_think: bool = False


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    body: dict | None
    arrived: float
    # What the model ran with, for chats: the options in effect (a /v1 request's forced sampling
    # defaults included), the context window, and how many of the oldest messages the window dropped.
    options: dict[str, Any] = field(default_factory=dict)
    num_ctx: int | None = None
    dropped: int = 0
    images: list[bytes] = field(default_factory=list)  # the pictures of a chat's messages, decoded


@dataclass
class _Fault:
    kind: str
    model: str | None
    remaining: int
    after: int
    seconds: float


class _Stopped(Exception):
    """The server is stopping: abandon the response in flight."""


def _default_models() -> list[FakeModel]:
    return [
        FakeModel(
            "gpt-oss:20b", ["completion", "tools", "thinking"], "gptoss", "20.9B", "MXFP4", 13_780_000_000
        ),
        FakeModel("qwen3:8b", ["completion", "tools", "thinking"], "qwen3", "8.2B", size=5_225_000_000),
        FakeModel("llama3.2:3b", ["completion", "tools"], "llama", "3.2B", size=2_019_000_000),
        FakeModel("gemma3:4b", ["completion", "vision"], "gemma3", "4.3B", size=3_338_000_000),
        FakeModel(
            "deepseek-inline:7b", ["completion"], "qwen2", "7.6B", size=4_683_000_000, inline_think=True
        ),
    ]


def _default_pullable() -> list[FakeModel]:
    return [
        FakeModel("qwen3:0.6b", ["completion", "thinking"], "qwen3", "751.63M", size=522_000_000),
        FakeModel("deepseek-r1:1.5b", ["completion", "thinking"], "qwen2", "1.8B", size=1_117_000_000),
    ]


def _rfc3339(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


def _find(models: list[FakeModel], name: str) -> FakeModel | None:
    return next((m for m in models if name in (m.name, m.name.removesuffix(":latest"))), None)


def _request_name(body: dict) -> str:
    """The model a request names: Ollama takes "model", litellm sends "name"."""
    return str(body.get("model") or body.get("name") or "")


def _digest(model: FakeModel, salt: str = "") -> str:
    return hashlib.sha256(f"{model.name}{salt}".encode()).hexdigest()


def _details(model: FakeModel) -> dict:
    return {
        "parent_model": "",
        "format": "gguf",
        "family": model.family,
        "families": [model.family],
        "parameter_size": model.parameter_size,
        "quantization_level": model.quantization_level,
    }


def _listing(model: FakeModel) -> dict:
    """The fields /api/tags and /api/ps share."""
    return {
        "name": model.name,
        "model": model.name,
        "size": model.size,
        "digest": _digest(model),
        "details": _details(model),
    }


def _parameter_count(size: str) -> int:
    match = re.fullmatch(r"([\d.]+)([KMB])", size)
    if match is None:
        return 0
    return int(float(match[1]) * {"K": 1e3, "M": 1e6, "B": 1e9}[match[2]])


def _keep_alive_seconds(value: object) -> float:
    """Seconds a model stays loaded; negative means forever, like Ollama's keep_alive."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    sign = -1.0 if text.startswith("-") else 1.0
    # a Go duration (time.ParseDuration: number-unit pairs such as "1h30m") or whole seconds
    pairs = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text.lstrip("+-"))
    if re.fullmatch(r"-?\d+", text):
        return float(text)
    if not pairs or "".join(n + u for n, u in pairs) != text.lstrip("+-"):
        return DEFAULT_KEEP_ALIVE
    return sign * sum(float(n) * KEEP_ALIVE_UNITS[u] for n, u in pairs)


def _template(model: FakeModel) -> str:
    """The model's chat template: harmony's tags for the gpt-oss family, a plain one otherwise."""
    tools = "{{- if .Tools }}Tools: {{ .Tools }}{{ end }}" if "tools" in model.capabilities else ""
    return tools + (HARMONY_TEMPLATE if model.family in HARMONY_FAMILIES else "{{ .Prompt }}")


def _harmony(model: FakeModel) -> bool:
    """server/routes.go shouldUseHarmony: family gptoss (or gpt-oss) and a template with harmony's tags."""
    template = _template(model)
    return model.family in HARMONY_FAMILIES and "<|start|>" in template and "<|end|>" in template


def _cloud(model: FakeModel) -> bool:
    return model.name.endswith(CLOUD_SUFFIX)


def _unloads(keep_alive: object) -> bool:
    return keep_alive is not None and _keep_alive_seconds(keep_alive) == 0


def _think_error(name: str, model: FakeModel, think: object) -> str | None:
    """The 400 message Ollama gives for this think value, if any, checked in Ollama's order.

    api/types.go (ThinkValue.UnmarshalJSON): only true, false, "low", "medium" and "high" parse at all.
    server/routes.go (ChatHandler): a truthy think to a model without the thinking capability is refused
    (false is accepted); then a string is refused unless the model is of the gpt-oss (harmony) family.
    """
    if think is None:
        return None
    if isinstance(think, str) and think not in THINK_LEVELS:
        return f'invalid think value: "{think}" (must be "high", "medium", "low", true, or false)'
    if not isinstance(think, bool | str):
        return 'think must be a boolean or string ("high", "medium", "low", true, or false)'
    if "thinking" not in model.capabilities and think is not False:
        return f'"{name}" does not support thinking'
    if isinstance(think, str) and not _harmony(model):
        return f'think value "{think}" is not supported for this model'
    return None


BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def _decode_images(messages: list) -> tuple[list[bytes], str | None]:
    """The pictures of a chat's messages, or the 400 error Ollama gives for them.

    server/routes.go (ChatHandler) binds the body to api.ChatRequest, whose `Message.Images` are
    `[]ImageData` (api/types.go: `[]byte`): Go's encoding/json reads each as a standard base64 string, and
    a bad one fails the binding, answered 400 with Go's words. The pictures are not checked against the
    model: that happens further on (see `_pieces`).
    """
    found: list[bytes] = []
    for message in messages:
        pictures = message.get("images") if isinstance(message, dict) else None
        if pictures is None:
            continue
        if not isinstance(pictures, list) or not all(isinstance(p, str) for p in pictures):
            return (
                [],
                "json: cannot unmarshal into Go struct field Message.messages.images of type api.ImageData",
            )
        for text in pictures:
            valid = BASE64.match(text)
            try:
                found.append(base64.b64decode(text, validate=True))
            except (binascii.Error, ValueError):
                at = valid.end() if valid and valid.end() < len(text) else len(text) - len(text) % 4
                return [], f"illegal base64 data at input byte {at}"
    return found, None


OPENAI_IMAGE_PREFIXES = (
    *(f"data:image/{t};base64," for t in ("jpeg", "jpg", "png", "webp")),
    "data:;base64,",
)


def _from_openai(messages: list) -> tuple[list, str | None]:
    """OpenAI-style messages as Ollama's /v1 turns them into its own (openai/openai.go FromChatRequest): each
    part of a list content becomes a message of its own, a text or a picture; a picture must be a base64
    `data:` URL of a JPEG, PNG or WebP ("invalid image input" otherwise, GIF included)."""
    out: list = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            out.append(message)
            continue
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                out.append({"role": message.get("role"), "content": part["text"]})
                continue
            url = (part.get("image_url") or {}) if kind == "image_url" else None
            url = url.get("url") if isinstance(url, dict) else url
            if not isinstance(url, str):
                return [], "invalid message format"
            prefix = next((p for p in OPENAI_IMAGE_PREFIXES if url.startswith(p)), None)
            if prefix is None:
                return [], "invalid image input"
            try:
                base64.b64decode(url[len(prefix) :], validate=True)
            except (binascii.Error, ValueError):
                return [], "invalid message format"
            out.append({"role": message.get("role"), "content": "", "images": [url[len(prefix) :]]})
    return out, None


def _pieces(model: FakeModel, body: dict) -> tuple[list[tuple[str, str]], str]:
    """The (field, token) pairs a chat streams, cut to num_predict, and the done_reason.

    A picture reaches a vision model, which says it saw it (how many, how many bytes). To any other model
    Ollama sends no picture, only the `[img-0]` tag it writes into the message's text (server/prompt.go
    `imageTaggedMessages`; runner/ollamarunner/runner.go `inputs` splits on the tags for vision models only),
    so its answer shows the tag.
    """
    users = [m for m in body["messages"] if isinstance(m, dict) and m.get("role") == "user"]
    prompt = str(users[-1].get("content") or "") if users else ""
    pictures, _ = _decode_images(users[-1:])
    if pictures and "vision" in model.capabilities:
        sizes = " and ".join(f"{len(p)} bytes" for p in pictures)
        prompt = f"[I see {len(pictures)} picture(s): {sizes}] {prompt}"
    elif pictures:
        prompt = "".join(f"[img-{i}]" for i in range(len(pictures))) + prompt
    thinking = _tokens(model.thinking.replace("{prompt}", prompt))
    if model.answer_tokens is None:
        answer = _tokens(model.answer.replace("{prompt}", prompt))
    else:
        answer = _tokens(" ".join(f"w{i}" for i in range(model.answer_tokens)))
    think = body.get("think")
    pieces: list[tuple[str, str]] = []
    if model.inline_think:
        # <think> and </think> are single tokens in the vocabularies of models that write them inline
        pieces = [("content", tok) for tok in ["<think>", "\n", *thinking, "</think>", "\n\n"]]
    elif "thinking" in model.capabilities and (think is not False or model.family == "gptoss"):
        pieces = [("thinking", tok) for tok in thinking]
    pieces += [("content", tok) for tok in answer]
    limit = (body.get("options") or {}).get("num_predict")
    if isinstance(limit, int) and 0 < limit < len(pieces):
        return pieces[:limit], "length"
    return pieces, "stop"


def _prompt_eval_count(messages: list) -> int:
    return sum(_message_tokens(m) for m in messages if isinstance(m, dict))


def _message_tokens(message: dict) -> int:
    return len(_tokens(str(message.get("content") or ""))) + MESSAGE_OVERHEAD


def _window(model: FakeModel, options: dict) -> int:
    """The context window of a request: `num_ctx` from its options, else the server's default."""
    asked = options.get("num_ctx")
    if isinstance(asked, int) and not isinstance(asked, bool) and asked > 0:
        return asked
    return GPT_OSS_NUM_CTX if model.family == "gptoss" else DEFAULT_NUM_CTX


def _fit(messages: list, num_ctx: int) -> tuple[list, int]:
    """The messages that fit the window and how many were dropped, as Ollama's chatPrompt does it
    (server/prompt.go): system messages and the last message always stay; the oldest others go first,
    without any error. The runner then truncates what is still too long (prompt_eval_count <= num_ctx).
    """
    last = len(messages) - 1
    system = sum(
        _message_tokens(m) for m in messages[:last] if isinstance(m, dict) and m.get("role") == "system"
    )
    start = last
    for i in range(last - 1, -1, -1):
        rest = [m for m in messages[i:] if isinstance(m, dict) and m.get("role") != "system"]
        if system + sum(_message_tokens(m) for m in rest) > num_ctx:
            break
        start = i
    kept = [
        m for i, m in enumerate(messages) if i >= start or (isinstance(m, dict) and m.get("role") == "system")
    ]
    return kept, len(messages) - len(kept)


def _done_fields(arrived: float, started: float, prompt_tokens: int, eval_count: int, reason: str) -> dict:
    load_ns = int((started - arrived) * 1e9)
    eval_ns = max(int((time.monotonic() - started) * 1e9), 1_000_000)
    return {
        "done": True,
        "done_reason": reason,
        "total_duration": load_ns + PROMPT_EVAL_NS + eval_ns,
        "load_duration": load_ns,
        "prompt_eval_count": prompt_tokens,
        "prompt_eval_duration": PROMPT_EVAL_NS,
        "eval_count": eval_count,
        "eval_duration": eval_ns,
    }


class FakeOllama:
    """An Ollama server on 127.0.0.1 that streams canned replies and injects queued faults."""

    def __init__(
        self,
        models: list[FakeModel] | None = None,
        *,
        token_delay: float = 0.0,
        pullable: list[FakeModel] | None = None,
        port: int = 0,
    ) -> None:
        self.models = _default_models() if models is None else list(models)
        self.pullable = _default_pullable() if pullable is None else list(pullable)
        self.token_delay = token_delay
        self.first_byte_delay = 0.0
        # Seconds a model not in memory takes to load before it answers: server/routes.go (ChatHandler)
        # waits in scheduleRunner, then reports the wait as the done line's load_duration.
        self.load_seconds = 0.0
        # /v1 usage with completion_tokens_details.reasoning_tokens, as OpenAI's API sends it (openai-python
        # types/completion_usage.py) and some OpenAI-compatible servers do. Ollama's own /v1 never does
        # (openai/openai.go ToUsage: prompt, completion and total tokens only): off unless a test imitates
        # such a server, used with the app's `openai_compatible` provider.
        self.reasoning_usage = False
        self.requests: list[Recorded] = []
        self.port = port
        self._faults: list[_Fault] = []
        self._loaded: dict[str, tuple[FakeModel, datetime, int]] = {}  # name -> model, expiry, num_ctx
        self.signed_in = False  # `ollama signin` done: cloud models (`…-cloud`) answer instead of 401
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._stopping.clear()
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-ollama", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut every open connection, stalled streams included."""
        if self._server is None or self._thread is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        self._thread.join(timeout=1)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def chats(self) -> list[dict]:
        """Bodies of every chat request (/api/chat, or OpenAI-compatible /v1/chat/completions), in order."""
        with self._lock:
            return [r.body for r in self.requests if r.method == "POST" and r.path in CHAT_PATHS and r.body]

    def fail(self, fault: str, times: int = 1, *, model: str | None = None, **params: float) -> None:
        """Queue a fault for the next `times` matching requests (/api/chat, or /api/pull for pull faults).

        model=None matches any. Params: `after` (lines sent before drop/stall/error_line, default 3) and
        `seconds` (stall default 30, slow_first_byte default 5). Model-unload requests never take a fault.
        """
        if fault not in STATUS_FAULTS and fault not in STREAM_FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        if unknown := set(params) - {"after", "seconds"}:
            raise TypeError(f"unknown fault parameters: {sorted(unknown)}")
        seconds = params.get("seconds", 5.0 if fault == "slow_first_byte" else 30.0)
        with self._lock:
            self._faults.append(_Fault(fault, model, times, int(params.get("after", 3)), float(seconds)))

    def reset(self) -> None:
        """Forget recorded requests and queued faults."""
        with self._lock:
            self.requests.clear()
            self._faults.clear()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self._stopping.wait(seconds):
            raise _Stopped

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _take_fault(self, path: str, name: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.model in (None, name) and (path == "/api/chat" or fault.kind == "drop"):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _mark_loaded(self, model: FakeModel, keep_alive: object, num_ctx: int | None = None) -> None:
        seconds = DEFAULT_KEEP_ALIVE if keep_alive is None else _keep_alive_seconds(keep_alive)
        expires = datetime.now(UTC) + timedelta(seconds=seconds if seconds >= 0 else 100 * 365 * 86400)
        with self._lock:
            self._loaded.pop(model.name, None)
            self._loaded[model.name] = (model, expires, num_ctx or _window(model, {}))

    def _warm(self, model: FakeModel) -> bool:
        """Whether the model is in memory now (loaded and not expired)."""
        with self._lock:
            entry = self._loaded.get(model.name)
        return entry is not None and entry[1] > datetime.now(UTC)

    def _load(self, model: FakeModel) -> None:
        """Read a model that is not in memory (server/sched.go), taking `load_seconds`."""
        if not self._warm(model):
            self._sleep(self.load_seconds)

    def _unload(self, model: FakeModel) -> None:
        with self._lock:
            self._loaded.pop(model.name, None)

    def _running(self) -> list[dict]:
        """server/routes.go (PsHandler): every runner the scheduler holds, installed or not, longest-lived
        first, with `context_length` (the window it was loaded with, options.num_ctx)."""
        now = datetime.now(UTC)
        with self._lock:
            live = [entry for entry in self._loaded.values() if entry[1] > now]
        loaded = sorted(live, key=lambda entry: entry[1], reverse=True)
        return [
            {**_listing(m), "expires_at": _rfc3339(expires), "size_vram": m.size, "context_length": num_ctx}
            for m, expires, num_ctx in loaded
        ]

    def _install(self, model: FakeModel) -> None:
        with self._lock:
            if model in self.pullable:
                self.pullable.remove(model)
            if model not in self.models:
                self.models.append(model)

    def _delete(self, model: FakeModel) -> None:
        """server/routes.go (DeleteHandler) removes the manifest and layers and never asks the scheduler:
        a loaded model stays in /api/ps, and unloading it afterwards answers 404 (its manifest is gone)."""
        with self._lock:
            self.models.remove(model)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, fake: FakeOllama) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", fake.port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # each ndjson line must leave at once, as Ollama flushes them
    server: _Server

    @property
    def fake(self) -> FakeOllama:
        return self.server.fake

    def setup(self) -> None:
        super().setup()
        self.fake._track(self.connection, True)

    def finish(self) -> None:
        self.fake._track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def parse_request(self) -> bool:
        self.arrived = time.monotonic()
        return super().parse_request()

    def log_message(self, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        self.record = Recorded(self.command, path, body, self.arrived)
        self.fake._record(self.record)
        routes = {
            ("GET", "/"): self._root,
            ("GET", "/api/version"): self._version,
            ("GET", "/api/tags"): self._tags,
            ("GET", "/api/ps"): self._ps,
            ("POST", "/api/show"): self._show,
            ("POST", "/api/chat"): self._chat,
            ("POST", "/api/pull"): self._pull,
            ("DELETE", "/api/delete"): self._delete,
            ("GET", "/v1/models"): self._v1_models,
            ("POST", "/v1/chat/completions"): self._v1_chat,
        }
        route = routes.get((self.command, path))
        try:
            if route is None:
                self._send_json(404, {"error": "not found"})
            elif self.command != "GET" and body is None:
                self._send_json(400, {"error": "invalid request"})
            else:
                route(body or {})
        except (_Stopped, OSError):
            self.close_connection = True

    def _read_body(self) -> dict | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8")

    def _not_found(self, name: str) -> None:
        self._send_json(404, {"error": f"model '{name}' not found"})

    def _write_line(self, payload: dict) -> None:
        self._write_chunk(json.dumps(payload).encode() + b"\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _break(self) -> None:
        """Close the connection mid-response: the client sees a body cut short."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _stream(self, lines: Iterable[dict], fault: _Fault | None = None) -> None:
        """Send ndjson lines, token_delay apart, cut short the way a drop/stall/error_line fault says."""
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, line in enumerate(islice(lines, fault.after) if fault else lines):
            if i:
                self.fake._sleep(self.fake.token_delay)
            self._write_line(line)
        if fault is None or fault.kind == "error_line":
            if fault:
                self._write_line({"error": MID_STREAM_ERROR})
            self.wfile.write(b"0\r\n\r\n")
            return
        if fault.kind == "stall":
            self.fake._sleep(fault.seconds)
        self._break()

    def _root(self, _body: dict) -> None:
        self._send(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _version(self, _body: dict) -> None:
        self._send_json(200, {"version": "0.12.6"})

    def _tags(self, _body: dict) -> None:
        self._send_json(
            200, {"models": [{**_listing(m), "modified_at": MODIFIED_AT} for m in self.fake.models]}
        )

    def _ps(self, _body: dict) -> None:
        self._send_json(200, {"models": self.fake._running()})

    def _show(self, body: dict) -> None:
        name = _request_name(body)
        model = _find(self.fake.models, name)
        if model is None:
            self._not_found(name)
            return
        self._send_json(
            200,
            {
                "modelfile": f'# Modelfile generated by "ollama show"\nFROM {model.name}\n',
                "parameters": "",
                "template": _template(model),
                "details": _details(model),
                "model_info": {
                    "general.architecture": model.family,
                    "general.parameter_count": _parameter_count(model.parameter_size),
                    f"{model.family}.context_length": CONTEXT_LENGTH,
                },
                "capabilities": list(model.capabilities),
                "modified_at": MODIFIED_AT,
            },
        )

    def _chat(self, body: dict) -> None:
        name = _request_name(body)
        messages = body.get("messages") or []
        fault = self.fake._take_fault("/api/chat", name) if messages else None
        model = _find(self.fake.models, name)
        if fault and fault.kind in STATUS_FAULTS:
            status, message = STATUS_FAULTS[fault.kind]
            self._send_json(status, {"error": message.format(model=name)})
        elif error := _decode_images(messages)[1]:  # binding the body comes first
            self._send_json(400, {"error": error})
        elif not name:
            self._send_json(400, {"error": "model is required"})
        elif model is None:
            self._not_found(name)
        elif _cloud(model) and not self.fake.signed_in and (messages or not _unloads(body.get("keep_alive"))):
            # server/routes.go (ChatHandler): unloading is answered here; anything else goes to ollama.com
            self._send_json(401, {"error": "unauthorized", "signin_url": SIGNIN_URL})
        elif not messages:
            self._load_or_unload(name, model, body.get("keep_alive"))
        elif error := _think_error(name, model, body.get("think")):
            self._send_json(400, {"error": error})
        else:
            self.record.images = _decode_images(messages)[0]
            self._generate(name, model, body, fault)

    def _load_or_unload(self, name: str, model: FakeModel, keep_alive: object) -> None:
        """Answer a chat without messages: Ollama loads the model, or unloads it when keep_alive is 0."""
        unload = _unloads(keep_alive)
        if unload:
            self.fake._unload(model)
        else:
            self.fake._load(model)
            self.fake._mark_loaded(model, keep_alive)
        self._send_json(
            200,
            {
                "model": name,
                "created_at": _rfc3339(),
                "message": {"role": "assistant", "content": ""},
                "done_reason": "unload" if unload else "load",
                "done": True,
            },
        )

    def _generate(self, name: str, model: FakeModel, body: dict, fault: _Fault | None) -> None:
        self.fake._sleep(self.fake.first_byte_delay)
        if fault and fault.kind == "slow_first_byte":
            self.fake._sleep(fault.seconds)
            fault = None
        self.fake._load(model)
        self.fake._mark_loaded(model, body.get("keep_alive"), _window(model, body.get("options") or {}))
        started = time.monotonic()
        pieces, reason = _pieces(model, body)
        prompt_tokens = self._fill_window(model, body["messages"], body.get("options") or {})
        if body.get("stream") is not False:
            lines = self._chat_lines(name, pieces, None if fault else (started, prompt_tokens, reason))
            self._stream(lines, fault)
            return
        self.fake._sleep(self.fake.token_delay * len(pieces))
        if fault and fault.kind == "error_line":
            self._send_json(500, {"error": MID_STREAM_ERROR})
            return
        if fault:
            if fault.kind == "stall":
                self.fake._sleep(fault.seconds)
            self._break()
            return
        message = {"role": "assistant", "content": "".join(tok for kind, tok in pieces if kind == "content")}
        if thinking := "".join(tok for kind, tok in pieces if kind == "thinking"):
            message["thinking"] = thinking
        self._send_json(
            200,
            {
                "model": name,
                "created_at": _rfc3339(),
                "message": message,
                **_done_fields(self.arrived, started, prompt_tokens, len(pieces), reason),
            },
        )

    def _fill_window(self, model: FakeModel, messages: list, options: dict) -> int:
        """Fit the messages to the window, note it on the request record, and return prompt_eval_count."""
        num_ctx = _window(model, options)
        kept, dropped = _fit(messages, num_ctx)
        self.record.options, self.record.num_ctx, self.record.dropped = dict(options), num_ctx, dropped
        return min(_prompt_eval_count(kept), num_ctx)

    def _chat_lines(
        self, name: str, pieces: list[tuple[str, str]], done: tuple[float, int, str] | None
    ) -> Iterator[dict]:
        """Token lines, then the done line unless a fault will cut the stream."""
        for kind, tok in pieces:
            message = {"role": "assistant", "content": tok}
            if kind == "thinking":
                message = {"role": "assistant", "content": "", "thinking": tok}
            yield {"model": name, "created_at": _rfc3339(), "message": message, "done": False}
        if done:
            started, prompt_tokens, reason = done
            yield {
                "model": name,
                "created_at": _rfc3339(),
                "message": {"role": "assistant", "content": ""},
                **_done_fields(self.arrived, started, prompt_tokens, len(pieces), reason),
            }

    def _pull(self, body: dict) -> None:
        name = _request_name(body)
        fault = self.fake._take_fault("/api/pull", name)
        model = _find(self.fake.pullable, name) or _find(self.fake.models, name)
        if body.get("stream") is not False:
            self._stream(self._pull_lines(model), fault)
        elif fault:
            self._break()
        elif model is None:
            self._send_json(500, {"error": PULL_MISSING})
        else:
            self.fake._install(model)
            self._send_json(200, {"status": "success"})

    def _pull_lines(self, model: FakeModel | None) -> Iterator[dict]:
        """Progress lines of a pull; the model is installed just before "success" is sent."""
        yield {"status": "pulling manifest"}
        if model is None:
            yield {"error": PULL_MISSING}
            return
        # server/download.go (downloadBlob): a layer already on disk is one line with completed == total
        steps = (5,) if model in self.fake.models else range(1, 6)
        for layer, total in enumerate((model.size - 487, 487)):
            digest = _digest(model, f"/layer{layer}")
            for step in steps:
                yield {
                    "status": f"pulling {digest[:12]}",
                    "digest": f"sha256:{digest}",
                    "total": total,
                    "completed": total * step // 5,
                }
        yield {"status": "verifying sha256 digest"}
        yield {"status": "writing manifest"}
        self.fake._install(model)
        yield {"status": "success"}

    def _delete(self, body: dict) -> None:
        name = _request_name(body)
        model = _find(self.fake.models, name)
        if model is None:
            self._not_found(name)
            return
        self.fake._delete(model)
        self._send(200, b"", "application/json; charset=utf-8")

    def _v1_models(self, _body: dict) -> None:
        """Ollama's OpenAI-compatible model list."""
        data = [
            {"id": m.name, "object": "model", "created": 0, "owned_by": "library"} for m in self.fake.models
        ]
        self._send_json(200, {"object": "list", "data": data})

    def _v1_chat(self, body: dict) -> None:
        """Ollama's OpenAI-compatible chat: SSE chunks; thinking in `delta.reasoning`, inline tags kept."""
        name = _request_name(body)
        fault = self.fake._take_fault("/api/chat", name)
        model = _find(self.fake.models, name)
        if fault and fault.kind in STATUS_FAULTS:
            status, message = STATUS_FAULTS[fault.kind]
            self._send_json(status, {"error": {"message": message.format(model=name), "type": "api_error"}})
            return
        if model is None:
            self._send_json(
                404, {"error": {"message": f"model '{name}' not found", "type": "not_found_error"}}
            )
            return
        if _cloud(model) and not self.fake.signed_in:
            # middleware/openai.go (writeError) keeps the 401 and the words, not the signin_url
            self._send_json(401, {"error": {"message": "unauthorized", "type": "api_error"}})
            return
        max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
        # openai/openai.go (FromChatRequest) forces top_p 1.0, and temperature 1.0 when none is sent,
        # over the model's own defaults; it has no field for num_ctx: /v1 gets the server's default window.
        options = {
            "temperature": body["temperature"] if body.get("temperature") is not None else 1.0,
            "top_p": body["top_p"] if body.get("top_p") is not None else 1.0,
        }
        if max_tokens:
            options["num_predict"] = max_tokens
        messages, error = _from_openai(body.get("messages") or [])
        if error:
            self._send_json(400, {"error": {"message": error, "type": "invalid_request_error"}})
            return
        self.record.images = _decode_images(messages)[0]
        pieces, reason = _pieces(model, {**body, "messages": messages, "options": options})
        prompt = self._fill_window(model, messages, options)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": name,
        }

        def event(payload: dict) -> None:
            self._write_chunk(b"data: " + json.dumps({**base, **payload}).encode() + b"\n\n")

        cut = fault.after if fault and fault.kind in ("drop", "stall", "error_line") else None
        for i, (kind, tok) in enumerate(pieces):
            if cut is not None and i == cut:
                break
            if i:
                self.fake._sleep(self.fake.token_delay)
            # every delta carries role and content, "" when only reasoning comes (openai/openai.go)
            delta = {"role": "assistant", "content": "" if kind == "thinking" else tok}
            if kind == "thinking":
                delta["reasoning"] = tok
            event({"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        if fault and cut is not None and fault.kind == "error_line":
            # middleware/openai.go: an error after the first token is written as a chunk made from an empty
            # ChatResponse (model "", no finish_reason), then the handler returns: a clean close, no [DONE].
            empty = {"role": "assistant", "content": ""}
            event(
                {
                    "model": "",
                    "created": -62135596800,
                    "choices": [{"index": 0, "delta": empty, "finish_reason": None}],
                }
            )
            self.wfile.write(b"0\r\n\r\n")
            return
        if fault and cut is not None:
            if fault.kind == "stall":
                self.fake._sleep(fault.seconds)
            self._break()
            return
        event({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            usage: dict[str, Any] = {
                "prompt_tokens": prompt,
                "completion_tokens": len(pieces),
                "total_tokens": prompt + len(pieces),
            }
            if self.fake.reasoning_usage:
                thought = sum(1 for kind, _ in pieces if kind == "thinking")
                usage["completion_tokens_details"] = {"reasoning_tokens": thought, "audio_tokens": 0}
            event({"choices": [], "usage": usage})
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")


def main() -> None:
    """Serve until Ctrl-C, for manual demos and screenshots."""
    parser = argparse.ArgumentParser(description="Serve a fake Ollama API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--token-delay", type=float, default=0.0, help="seconds between streamed lines")
    args = parser.parse_args()
    with FakeOllama(token_delay=args.token_delay, port=args.port) as fake:
        print(f"Fake Ollama serving on {fake.url} (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
