"""JSON over HTTP for the short calls beside chat: Ollama's REST API and OpenAI-compatible model lists.

The standard library's urllib rather than httpx: Streamlit has already imported urllib, while importing httpx
and its transport is a cost on the first page draw, which lists the models (measured by bench/startup.py).
Ollama chats stream through llm/ollama_chat.py, cloud ones through litellm and its own httpx clients.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TIMEOUT = 10.0  # seconds, for connecting and for each read

# What urllib raises when no answer comes or it breaks off: refused, reset, timed out (OSErrors, its own
# URLError among them) or garbled.
NO_ANSWER = (OSError, http.client.HTTPException)


class Unreachable(Exception):
    """No answer came: nothing listens there, the connection failed, or it timed out."""


class BadURL(ValueError):
    """Not an http(s) URL naming a host. urllib would open `file://` and `ftp://` URLs as well."""


def url_problem(url: str) -> str | None:
    """Why `url` is not the http(s) address of a server, or None when it is one."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number raises ValueError here)
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    return None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


@contextmanager
def opened(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> Iterator[http.client.HTTPResponse]:
    """An open response of any status (`.status`, `.read()`, lines by iterating); `Unreachable` if none.

    Reading it can still raise one of `NO_ANSWER` when the connection breaks off. `BadURL` for a URL that
    is not http(s): callers check their base URL first, this is the last line of defence.
    """
    if problem := url_problem(url):
        raise BadURL(f"{url!r}: {problem}")
    sent = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error  # an answer with an error status: its body says why
    except NO_ANSWER as exc:
        raise Unreachable(_reason(exc)) from exc
    with response:
        yield response


def call(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> Response:
    """One request and its whole response, whatever its status; `Unreachable` if none came."""
    with opened(method, url, body, headers, timeout) as response:
        try:
            return Response(response.status, response.read())
        except NO_ANSWER as exc:
            raise Unreachable(_reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    """What went wrong, in a word or two: `ConnectionRefusedError`, `TimeoutError`, ..."""
    cause = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return type(cause).__name__ if isinstance(cause, BaseException) else str(cause)
