"""What each cloud provider's request carries for each thinking level, read on the wire.

litellm 1.106 is pointed (`api_base`) at a loopback server that records the JSON body and answers in the
provider's protocol; the request goes through llm/ (`stream_chat`) as the chat page sends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from llm import runtime
from llm.models import ModelInfo, thinking_style
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from llm.thinking import levels
from tests.capture_server import ANSWER, Captured, CaptureServer

EFFORTS = {"low": "low", "medium": "medium", "high": "high"}
ANTHROPIC = {"low": 1024, "medium": 4096, "high": 16384}
GEMINI_PRO = {"low": 1024, "medium": 8192, "high": 32768}
GEMINI_FLASH = {"off": 0, "low": 1024, "medium": 8192, "high": 24576}


@pytest.fixture(scope="module")
def capture() -> Iterator[CaptureServer]:
    with CaptureServer() as server:
        yield server


def send(capture: CaptureServer, provider: str, model: str, level: str, path: str = "") -> Captured:
    """One chat at `level`, through llm/ and litellm; the request the server received."""
    style = thinking_style(ModelInfo(model, provider=provider))
    assert level in levels(style)
    target = Target(provider, model, capture.url + path, api_key="test-key")
    request = ChatRequest(target, [{"role": "user", "content": "hi"}], style, level)  # type: ignore[arg-type]
    events = list(runtime.iterate(stream_chat(request, Limits(retries=0))))
    assert not [e.text for e in events if e.kind == "error"]
    assert "".join(e.text for e in events if e.kind == "answer") == ANSWER
    return capture.last


def thinking_config(body: dict[str, Any]) -> dict[str, Any]:
    return body.get("generationConfig", {}).get("thinkingConfig", {})


@pytest.mark.parametrize("level", list(EFFORTS))
@pytest.mark.parametrize(
    ("provider", "model"),
    [("openai", "gpt-5-mini"), ("openrouter", "openai/gpt-oss-120b"), ("groq", "openai/gpt-oss-120b")],
)
def test_openai_style_providers_send_reasoning_effort(
    capture: CaptureServer, provider: str, model: str, level: str
) -> None:
    sent = send(capture, provider, model, level, "/v1")
    assert sent.path == "/v1/chat/completions"
    assert (sent.body["model"], sent.body["reasoning_effort"]) == (model, EFFORTS[level])


@pytest.mark.parametrize("level", ["off", *ANTHROPIC])
def test_anthropic_sends_a_thinking_budget_below_max_tokens(capture: CaptureServer, level: str) -> None:
    sent = send(capture, "anthropic", "claude-sonnet-4-5", level)
    assert sent.path == "/v1/messages"
    if level == "off":
        assert "thinking" not in sent.body
        return
    assert sent.body["thinking"] == {"type": "enabled", "budget_tokens": ANTHROPIC[level]}
    assert sent.body["max_tokens"] > ANTHROPIC[level]  # Anthropic answers 400 otherwise
    assert "temperature" not in sent.body  # extended thinking takes only the default


@pytest.mark.parametrize(
    ("model", "budgets"), [("gemini-2.5-pro", GEMINI_PRO), ("gemini-2.5-flash", GEMINI_FLASH)]
)
def test_gemini_25_sends_each_model_its_own_budgets(
    capture: CaptureServer, model: str, budgets: dict[str, int]
) -> None:
    assert levels(thinking_style(ModelInfo(model, provider="gemini"))) == list(budgets)
    for level, budget in budgets.items():
        sent = send(capture, "gemini", model, level)
        assert sent.path == f"/models/{model}:streamGenerateContent"
        config = thinking_config(sent.body)
        assert config["thinkingBudget"] == budget
        assert config.get("includeThoughts", False) is (budget > 0)


def test_gemini_25_pro_has_no_off_and_flash_lite_budgets_fit_its_range(capture: CaptureServer) -> None:
    assert "off" not in levels(thinking_style(ModelInfo("gemini-2.5-pro", provider="gemini")))
    for level, budget in GEMINI_FLASH.items():
        sent = send(capture, "gemini", "gemini-2.5-flash-lite", level)
        assert thinking_config(sent.body)["thinkingBudget"] == budget
        assert budget == 0 or 512 <= budget <= 24576  # Flash-Lite: 0 (off) or 512-24576


def test_levels_differ_as_their_names_say(capture: CaptureServer) -> None:
    for model in ("gemini-2.5-pro", "gemini-2.5-flash"):
        sent = [
            thinking_config(send(capture, "gemini", model, level).body)["thinkingBudget"]
            for level in ("low", "medium", "high")
        ]
        assert sent == sorted(set(sent))  # strictly rising
