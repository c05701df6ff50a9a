"""User-facing errors: each says what happened and what to do, and keeps the HTTP status.

Third-party exceptions are translated here, at one boundary (`translate`), never in the pages.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from types import SimpleNamespace

from llm.models import DEFAULT_COMPATIBLE_BASE, DEFAULT_OLLAMA_BASE, PROVIDERS
from llm.rest import url_problem


class LLMError(Exception):
    """An error a user can act on. `str(err)` is the message shown in the chat."""

    title = "The request failed"
    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ServerUnreachable(LLMError):
    title = "Server not reachable"
    retryable = True


class ModelNotFound(LLMError):
    title = "Model not found"


class MissingKey(LLMError):
    title = "API key missing"


class AuthFailed(LLMError):
    title = "API key rejected"


class RateLimited(LLMError):
    title = "Rate limited"
    retryable = True


class BudgetSpent(LLMError):
    """A LiteLLM Proxy refused because a budget (the key's, the model's) is spent: waiting will not help."""

    title = "Budget spent"


class ServerBusy(LLMError):
    title = "Server busy"
    retryable = True


class ServerError(LLMError):
    title = "Server error"
    retryable = True


class TimedOut(LLMError):
    title = "Timed out"
    retryable = True


class ThinkingUnsupported(LLMError):
    title = "This model cannot think"


class BadRequest(LLMError):
    title = "Request rejected"


class StreamBroken(LLMError):
    """The reply began, then broke: never retried, since a retry would repeat the text already shown."""

    title = "Reply interrupted"


class ConfigError(LLMError):
    title = "Bad setting"

    def __init__(self, message: str, *, status: int | None = None, problems: list[str] | None = None) -> None:
        super().__init__(message, status=status)
        self.problems = problems or [message]


class SignInNeeded(LLMError):
    """An Ollama cloud model (`…-cloud`) on a server that is not signed in to ollama.com: 401."""

    title = "Ollama sign-in needed"


def ollama_signin_needed(model: str, base_url: str, signin_url: str = "") -> SignInNeeded:
    what = f"`{model}` is an Ollama cloud model and" if model else "This is an Ollama cloud model and"
    link = f" (or open {signin_url})" if signin_url else ""
    return SignInNeeded(
        f"{what} the Ollama server at {base_url} is not signed in to ollama.com. Run `ollama signin` on "
        f"the machine that runs Ollama{link}, then try again. No API key is needed.",
        status=401,
    )


def bad_base_url(url: str, problem: str, setting: str, example: str) -> ConfigError:
    """A base URL that is not the http(s) address of a server (e.g. `file:///etc/passwd`)."""
    return ConfigError(
        f"The {setting} `{url}` cannot be used: {problem}. Enter the server's address, e.g. {example}."
    )


class StoreError(LLMError):
    """The history database failed: the chat goes on, the history is not saved until it recovers."""

    title = "History not saved"
    retryable = True


class ImportFailed(LLMError):
    """A file to import is not a conversation exported by this app; nothing was imported."""

    title = "Import failed"


REGENERATE = "press Regenerate to try again"


def for_compare(message: str) -> str:
    """An error for a Compare column: Compare has no Regenerate, its Run asks every column again."""
    return message.replace(REGENERATE, "press Run to ask again")


def ollama_unreachable(base_url: str) -> ServerUnreachable:
    return ServerUnreachable(
        f"Ollama is not reachable at {base_url}. Start it with `ollama serve` "
        "(or check OLLAMA_API_BASE), then send your message again."
    )


def ollama_model_missing(model: str) -> ModelNotFound:
    return ModelNotFound(
        f"The model `{model}` is not on this Ollama server. Run `ollama pull {model}`, "
        "or pick another model in the sidebar.",
        status=404,
    )


# litellm's wrapping around a server's words: class-name prefixes ("litellm.BadRequestError: ",
# "AnthropicError - ", "Vertex_ai_betaException InternalServerError - "), its advice to developers
# ("Handle with `litellm.InternalServerError`."), retry and model-group notes, and object reprs
# ("ssl:<ssl.SSLContext object at 0x7f…>").
_WRAPPING = [
    re.compile(r"(?:litellm\.)?\w*(?:Error|Exception)(?:\s+\w+Error)?\s*(?:-|:)\s+"),
    re.compile(r"\s*\.?\s*Handle with `?litellm\.\w+`?\.?"),
    re.compile(
        r"\s*(?:Received Model Group|Available Model Group Fallbacks|LiteLLM Retried|model_group)\b.*$", re.S
    ),
    re.compile(r"\s*\w+:<[^<>]*? object at 0x[0-9a-f]+>"),
    re.compile(r"<[^<>]*? object at 0x[0-9a-f]+>"),
]
_MESSAGE_KEYS = ("message", "error", "detail", "msg")
MAX_DETAIL = 300


def _message_in(value: object) -> str | None:
    """The human message inside a provider's JSON error body, whatever its shape.

    OpenAI and OpenAI-compatible servers: {"error": {"message": …}}; Anthropic: {"type": "error",
    "error": {"type": …, "message": …}}; Gemini: {"error": {"code", "message", "status"}};
    Ollama: {"error": "…"}; FastAPI-style servers: {"detail": …}.
    """
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        for key in _MESSAGE_KEYS:
            if key in value and (found := _message_in(value[key])):
                return found
    if isinstance(value, list) and value:
        return _message_in(value[0])
    return None


def _json_message(text: str) -> str | None:
    """The message of the first JSON object in `text` (also inside a `b'…'` bytes repr), if any."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        return _message_in(value)
    return None


def _server_message(exc: BaseException) -> str:
    """The server's own words: no JSON around them, no litellm prefixes, advice or object reprs."""
    text = str(getattr(exc, "message", None) or exc)
    found = _json_message(text)
    if found is None:
        # A body cut short (litellm clips some): its message up to where it stops.
        cut = re.search(r"[\"']message[\"']:\s*[\"']((?:\\.|[^\"'\\])*)", text)
        found = cut.group(1) if cut else text
    for pattern in _WRAPPING:
        found = pattern.sub("", found)
    found = " ".join(found.replace("\\n", " ").split()).strip(" .{}")
    for quote in "'\"":  # a quote left over from the JSON or repr around the words, not one of theirs
        if found.count(quote) % 2:
            found = found.strip(quote).strip(" .")
    if len(found) > MAX_DETAIL:
        found = found[: MAX_DETAIL - 1].rstrip() + "…"
    return found or type(exc).__name__


def _signin_url(exc: BaseException) -> str:
    """The `signin_url` of Ollama's 401 body, when the exception's text carries it."""
    match = re.search(r"https://ollama\.com/connect\?[^\s\"'\\}]+", str(exc))
    return match.group(0) if match else ""


class _NotLoaded(Exception):
    """Stands for a class of a library that is not loaded: no exception is an instance of it."""


def _loaded(module: str) -> SimpleNamespace:
    """A module's exception classes if it is loaded; else `_NotLoaded` for each, so that `isinstance`
    checks against them are False. An Ollama reply is read without litellm or openai: neither is loaded
    to read an error that cannot be theirs."""
    # A module another thread is still importing (litellm loads in the background) is in sys.modules
    # without all its classes yet: a class not there yet is `_NotLoaded` too (no error can be of it).
    loaded = sys.modules.get(module)
    return SimpleNamespace(**{name: getattr(loaded, name, _NotLoaded) for name in _CLASSES})


_CLASSES = (
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "InternalServerError",
    "MidStreamFallbackError",
    "NotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "Timeout",
)


def _connection_failed(exc: BaseException, *kinds: type[BaseException]) -> bool:
    """Whether the request never reached the server, looking through wrapped exceptions.

    litellm's OpenAI route reports a refused connection as a 500 whose context is the real cause.
    """
    import httpx

    openai = _loaded("openai")
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, (*kinds, openai.APIConnectionError, httpx.TransportError, ConnectionError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def translate(
    exc: BaseException,
    *,
    provider: str,
    model: str,
    base_url: str | None,
    key_var: str | None,
    started: bool = False,
) -> LLMError:
    """Map any exception from a provider call to an `LLMError` that tells the user what to do.

    `started` is True once output arrived: then every failure is a `StreamBroken`, never retried.
    """
    if isinstance(exc, LLMError):
        return exc
    lx = _loaded("litellm.exceptions")

    status = getattr(exc, "status_code", None)
    original = getattr(exc, "original_exception", None)
    detail = _server_message(original or exc)
    if started:
        broke = _connection_failed(exc, lx.MidStreamFallbackError, lx.APIConnectionError)
        reason = "the connection to the server broke off" if broke else detail
        return StreamBroken(
            f"The reply was cut off ({reason}). What arrived is kept; {REGENERATE}.",
            status=status,
        )
    spec = PROVIDERS.get(provider)
    is_ollama = spec is not None and spec.native
    label = spec.label if spec else provider
    where = base_url or label
    if spec is not None and spec.refusals == "proxy":
        from llm.proxy import refusal  # the proxy's budget, rate limit and key refusals

        said = str(getattr(original or exc, "message", None) or exc)
        if told := refusal(status, said, base=base_url, model=model):
            return told
    if base_url and (problem := url_problem(base_url)):
        setting = spec.base_label if spec and spec.base_label else "base URL"
        example = spec.default_base if spec and spec.default_base else DEFAULT_COMPATIBLE_BASE
        return bad_base_url(base_url, problem, setting, example)
    if isinstance(exc, lx.MidStreamFallbackError) and original is not None:
        return translate(original, provider=provider, model=model, base_url=base_url, key_var=key_var)
    if isinstance(exc, (asyncio.TimeoutError, lx.Timeout)):
        return TimedOut(
            f"No answer from {where} in time. The model may still be loading or the server is "
            "overloaded; try again, or raise LLM_FIRST_TOKEN_TIMEOUT.",
            status=status,
        )
    if _connection_failed(exc, lx.APIConnectionError):
        if is_ollama:
            return ollama_unreachable(base_url or DEFAULT_OLLAMA_BASE)
        return ServerUnreachable(
            f"Could not connect to {where} ({detail}). Check the address and your network, then try again."
        )
    if is_ollama and (isinstance(exc, lx.AuthenticationError) or status == 401):
        # Ollama itself has no API keys: its 401 is a cloud model on a server not signed in to ollama.com
        return ollama_signin_needed(model, where, _signin_url(exc))
    if isinstance(exc, lx.AuthenticationError) or status in (401, 403):
        var = key_var or "the provider's API key"
        return AuthFailed(
            f"{label} rejected the API key. Check {var} (or the key in the sidebar).", status=status
        )
    if isinstance(exc, lx.NotFoundError) or status == 404:
        if is_ollama:
            return ollama_model_missing(model)
        return ModelNotFound(
            f"{label} does not know the model `{model}` ({detail}). Pick another model.", status=status
        )
    if isinstance(exc, lx.RateLimitError) or status == 429:
        return RateLimited(
            f"{label} is rate limiting requests ({detail}). Wait a moment and try again.", status=429
        )
    if "does not support thinking" in detail:
        return ThinkingUnsupported(
            f"`{model}` cannot think. Set Thinking to Off (or pick a thinking model) and send again.",
            status=400,
        )
    if isinstance(exc, lx.ServiceUnavailableError) or status in (503, 529):
        return ServerBusy(f"{where} is busy ({detail}). Try again in a moment.", status=503)
    if isinstance(exc, lx.BadRequestError) or status == 400:
        return BadRequest(
            f"{label} rejected the request: {detail}. Change what it names (a setting in the sidebar, the "
            "model), then send again.",
            status=status,
        )
    if (status is not None and status >= 500) or isinstance(exc, lx.InternalServerError):
        return ServerError(
            f"{where} failed ({detail}). Try again; if it keeps failing, check the server's log.",
            status=status,
        )
    answered = f"answered {status}" if status else "failed"
    return LLMError(
        f"{where} {answered}: {detail}. Check that the address is the model server's, then try again.",
        status=status,
    )
