"""A loopback server that records each request's JSON body and answers the least a provider's client accepts.

Protocols, told by the path: OpenAI's chat completions (OpenAI, OpenRouter, Groq), Anthropic's messages,
Gemini's generateContent; each streamed (server-sent events) or whole. Every reply is the text "ok",
unless an error was queued with `fail(status, body)`: the next request gets that status and body.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

ANSWER = "ok"
USAGE = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}


@dataclass(frozen=True)
class Captured:
    path: str
    query: str
    body: dict[str, Any]


def _openai(body: dict[str, Any]) -> list[dict[str, Any]] | dict[str, Any]:
    base = {"id": "chatcmpl-capture", "created": 0, "model": body.get("model", "")}
    if not body.get("stream"):
        message = {"role": "assistant", "content": ANSWER}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return {**base, "object": "chat.completion", "choices": [choice], "usage": USAGE}
    chunk = {**base, "object": "chat.completion.chunk"}
    return [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ANSWER}}]},
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**chunk, "choices": [], "usage": USAGE},
    ]


def _anthropic(body: dict[str, Any]) -> list[dict[str, Any]] | dict[str, Any]:
    usage = {"input_tokens": 3, "output_tokens": 1}
    message = {"id": "msg_capture", "type": "message", "role": "assistant", "model": body.get("model", "")}
    if not body.get("stream"):
        content = [{"type": "text", "text": ANSWER}]
        return {**message, "content": content, "stop_reason": "end_turn", "usage": usage}
    return [
        {"type": "message_start", "message": {**message, "content": [], "usage": usage}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": ANSWER}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
        {"type": "message_stop"},
    ]


def _gemini(streamed: bool) -> list[dict[str, Any]] | dict[str, Any]:
    reply = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": ANSWER}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1, "totalTokenCount": 4},
    }
    return [reply] if streamed else reply


class CaptureServer:
    """`with CaptureServer() as server:` then point a client's `api_base` at `server.url`."""

    def __init__(self) -> None:
        self.requests: list[Captured] = []
        self.errors: list[tuple[int, str]] = []  # (status, body) answered to the next requests, in order
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.capture = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, status: int, body: str | dict[str, Any]) -> None:
        """Answer the next request with `status` and `body` (a dict is sent as JSON)."""
        self.errors.append((status, body if isinstance(body, str) else json.dumps(body)))

    @property
    def last(self) -> Captured:
        return self.requests[-1]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        capture: CaptureServer = self.server.capture  # type: ignore[attr-defined]
        capture.requests.append(Captured(parts.path, parts.query, body))
        if capture.errors:
            status, text = capture.errors.pop(0)
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if text.startswith("{") else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if parts.path.endswith("/chat/completions"):
            self._answer(_openai(body))
        elif parts.path.endswith("/messages"):
            self._answer(_anthropic(body))
        elif ":streamGenerateContent" in parts.path or ":generateContent" in parts.path:
            self._answer(_gemini(":stream" in parts.path))
        else:
            self._answer({"error": {"message": f"no route for {parts.path}"}}, status=404)

    def _answer(self, reply: list[dict[str, Any]] | dict[str, Any], status: int = 200) -> None:
        """A list goes out as server-sent events (OpenAI's end with `[DONE]`), a dict as one JSON body."""
        if isinstance(reply, dict):
            data = json.dumps(reply).encode()
            kind = "application/json"
        else:
            events = [f"data: {json.dumps(event)}\n\n" for event in reply]
            if self.path.split("?")[0].endswith("/chat/completions"):
                events.append("data: [DONE]\n\n")
            data = "".join(events).encode()
            kind = "text/event-stream"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
