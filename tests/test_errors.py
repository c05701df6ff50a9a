"""Every error the page shows is one or two plain sentences, keeping the server's useful words.

Each provider's error shape is answered by a loopback server (tests/capture_server.py for OpenAI,
OpenAI-compatible servers, Anthropic and Gemini; testkit/fake_ollama.py for Ollama) and goes through
litellm and llm/ exactly as a chat does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from llm import errors, runtime
from llm.compare import Comparison
from llm.conversation import Turn
from llm.events import Event
from llm.models import ModelInfo, thinking_style
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from testkit.fake_ollama import FakeOllama
from tests.capture_server import CaptureServer

MACHINERY = re.compile(
    r"[{}]|\bb'|object at 0x|litellm|Handle with|Exception|Error -|Traceback|\"error\"|'error'|\\n"
)


def plain_sentences(message: str) -> None:
    """What happened and what to do, in one to three short sentences, with nothing of the machinery."""
    assert not MACHINERY.search(message), message
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", message) if s]
    assert 1 <= len(sentences) <= 3, message
    assert len(message) < 500, message


@pytest.fixture(scope="module")
def capture() -> Iterator[CaptureServer]:
    with CaptureServer() as server:
        yield server


def failed(provider: str, model: str, base: str) -> errors.LLMError:
    style = thinking_style(ModelInfo(model, provider=provider))
    request = ChatRequest(
        Target(provider, model, base, api_key="k"), [{"role": "user", "content": "hi"}], style
    )
    events = list(runtime.iterate(stream_chat(request, Limits(retries=0))))
    error = next(e.error for e in events if e.kind == "error")
    assert error is not None
    plain_sentences(str(error))
    return error


RUNNER = "llama runner process has terminated: exit status 2"
SHAPES: list[tuple[str, str, str, int, Any, str]] = [
    # (provider, model, path, status, body, words the message must keep)
    (
        "openai_compatible",
        "m",
        "/v1",
        500,
        {"error": {"message": RUNNER, "type": "api_error", "param": None, "code": None}},
        RUNNER,
    ),
    ("openai_compatible", "m", "/v1", 418, "I'm a teapot", "418: I'm a teapot"),
    ("openai_compatible", "m", "/v1", 400, {"detail": "context length exceeded"}, "context length exceeded"),
    (
        "openai",
        "gpt-5-mini",
        "/v1",
        400,
        {"error": {"message": "Unsupported value: 'temperature'", "type": "invalid_request_error"}},
        "Unsupported value: 'temperature'",
    ),
    ("openai", "gpt-5-mini", "/v1", 401, {"error": {"message": "Incorrect API key"}}, "OPENAI_API_KEY"),
    ("openai", "gpt-5-mini", "/v1", 429, {"error": {"message": "Rate limit reached"}}, "Rate limit reached"),
    ("openai", "gpt-9", "/v1", 404, {"error": {"message": "The model does not exist"}}, "does not exist"),
    (
        "anthropic",
        "claude-sonnet-4-5",
        "",
        400,
        {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "max_tokens: 100000 > 64000"},
        },
        "max_tokens: 100000 > 64000",
    ),
    (
        "anthropic",
        "claude-sonnet-4-5",
        "",
        529,
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        "Overloaded",
    ),
    (
        "anthropic",
        "claude-sonnet-4-5",
        "",
        500,
        {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}},
        "Internal server error",
    ),
    (
        "gemini",
        "gemini-2.5-flash",
        "",
        400,
        {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}},
        "GEMINI_API_KEY",
    ),
    (
        "gemini",
        "gemini-2.5-flash",
        "",
        503,
        {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}},
        "The model is overloaded",
    ),
    (
        "gemini",
        "gemini-2.5-flash",
        "",
        500,
        {"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}},
        "An internal error has occurred",
    ),
]


@pytest.mark.parametrize(
    ("provider", "model", "path", "status", "body", "kept"),
    SHAPES,
    ids=[f"{s[0]}-{s[3]}-{i}" for i, s in enumerate(SHAPES)],
)
def test_each_provider_error_shape_reads_as_plain_sentences(
    capture: CaptureServer, provider: str, model: str, path: str, status: int, body: Any, kept: str
) -> None:
    capture.fail(status, body)
    assert kept in str(failed(provider, model, capture.url + path))


def test_a_crashed_ollama_runner_keeps_its_words(ollama: FakeOllama) -> None:
    ollama.fail("500", times=5)
    error = failed("ollama", "gpt-oss:20b", ollama.url)
    assert RUNNER in str(error) and isinstance(error, errors.ServerError)


def test_nothing_listening_names_the_address(capture: CaptureServer) -> None:
    error = failed("openai_compatible", "m", "http://127.0.0.1:9/v1")
    assert "http://127.0.0.1:9/v1" in str(error) and isinstance(error, errors.ServerUnreachable)


@pytest.mark.parametrize(
    ("raised", "kept"),
    [
        (
            "litellm.InternalServerError: InternalServerError: OpenAIException - Cannot connect to host "
            "api.openai.com:443 ssl:<ssl.SSLContext object at 0x7f3a2c1b9d50> [Name or service not known]. "
            "Handle with `litellm.InternalServerError`.",
            "Cannot connect to host api.openai.com:443 [Name or service not known]",
        ),
        (
            'litellm.BadRequestError: Hosted_vllmException - {"error": {"message": "logger", "type": "x"}} '
            "Received Model Group=m\nAvailable Model Group Fallbacks=None",
            "logger",
        ),
        ('b\'{"type": "error", "error": {"type": "x", "message": "cut sho', "cut sho"),
        ("AnthropicError - " + "x" * 1000, "x" * 100),
    ],
)
def test_litellm_wrapping_is_taken_off(raised: str, kept: str) -> None:
    message = errors._server_message(RuntimeError(raised))
    assert kept in message and len(message) <= errors.MAX_DETAIL
    assert not MACHINERY.search(message), message


def test_compare_columns_never_say_regenerate_and_blind_ones_name_only_their_letter() -> None:
    broken = "The reply was cut off (x). What arrived is kept; press Regenerate to try again."
    shown = errors.for_compare(broken)
    assert "Regenerate" not in shown and "Run" in shown
    requests = [
        ChatRequest(Target("ollama", name, "http://127.0.0.1:9"), [{"role": "user", "content": "hi"}])
        for name in ("secret-a:1b", "secret-b:1b")
    ]
    comparison = Comparison.start("hi", requests, blind=True)
    turn = Turn("assistant", status="streaming")
    turn.apply(Event("error", errors.ollama_model_missing("secret-b:1b").message))
    hidden = comparison.error_text(1, turn)
    assert hidden.startswith(f"Column {comparison.letter(1)} failed") and "secret" not in hidden
    comparison.reveal()
    assert "secret-b:1b" in comparison.error_text(1, turn)


@pytest.mark.parametrize(
    ("provider", "field", "example"),
    [
        ("litellm_proxy", "LiteLLM Proxy URL", "http://localhost:4000"),
        ("openai_compatible", "Base URL", "http://localhost:1234/v1"),
    ],
)
def test_a_chat_to_an_address_that_is_not_http_names_its_field_and_an_example(
    provider: str, field: str, example: str
) -> None:
    error = failed(provider, "m", "file:///etc/passwd#")
    assert isinstance(error, errors.ConfigError)
    assert f"The {field} `file:///etc/passwd#` cannot be used" in str(error)
    assert str(error).endswith(f"e.g. {example}.")
