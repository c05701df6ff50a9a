"""Pictures: which files are taken, how each API receives them (on the loopback Ollama-protocol server's
wire), and how they are kept in exports."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import httpx
import pytest

from llm import runtime
from llm.context import IMAGE_TOKENS, conversation_tokens
from llm.conversation import Turn, from_json, history, to_json, to_markdown
from llm.errors import ImportFailed
from llm.events import Event
from llm.images import MAX_BYTES, Image, can_see, on_wire, read
from llm.models import ModelInfo
from llm.proxy import from_entry
from llm.request import ChatRequest, Limits, Target
from llm.stream import stream_chat
from testkit.fake_ollama import FakeOllama
from tests.capture_server import CaptureServer

PNG = (Path(__file__).parent / "data" / "red.png").read_bytes()
RED = Image("red.png", "image/png", PNG)
FAST = Limits(retries=0, first_token=10, stall=5)


def chat(server: FakeOllama, model: str, vision: bool, provider: str = "ollama", base: str = "") -> str:
    """One reply to a message with the red picture; the answer text."""
    message = {"role": "user", "content": "What colour is this?", "images": [RED]}
    request = ChatRequest(Target(provider, model, base or server.url), [message], vision=vision)
    events: list[Event] = list(runtime.iterate(stream_chat(request, FAST)))
    assert not [e.text for e in events if e.kind == "error"]
    return "".join(e.text for e in events if e.kind == "answer")


def picture(kind: str) -> bytes:
    """A real 4x4 picture of `kind` (Pillow, which comes with Streamlit)."""
    from PIL import Image as Pillow

    out = io.BytesIO()
    Pillow.new("RGB", (4, 4), (200, 30, 30)).save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "mime"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_the_four_picture_types_are_known_by_their_bytes(kind: str, mime: str) -> None:
    data = picture(kind)
    assert read("C:\\Users\\me\\shot.bin", data) == Image("shot.bin", mime, data)


def test_a_damaged_picture_is_refused() -> None:
    with pytest.raises(ValueError, match=r"cut\.jpg could not be read as a picture: the file is damaged"):
        read("cut.jpg", picture("JPEG")[:200])


def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name() -> None:
    with pytest.raises(ValueError, match=r"notes\.png is not a PNG, JPEG, WebP or GIF picture"):
        read("notes.png", b"just some text")


def test_a_picture_over_the_limit_is_refused_saying_the_limit() -> None:
    with pytest.raises(ValueError, match=r"big\.png is 6\.0 MB: pictures can be up to 5 MB"):
        read("big.png", PNG + bytes(6_000_000 - len(PNG)))
    with pytest.raises(ValueError, match=r"pictures can be up to 5 MB"):
        read("big.png", PNG + bytes(MAX_BYTES + 1 - len(PNG)))
    assert read("max.png", PNG + bytes(MAX_BYTES - len(PNG))).mime == "image/png"


def test_a_picture_reaches_a_vision_model_base64_encoded_and_equal_to_the_file(ollama: FakeOllama) -> None:
    answer = chat(ollama, "gemma3:4b", vision=True)
    sent = ollama.chats()[-1]["messages"][-1]
    assert sent == {
        "role": "user",
        "content": "What colour is this?",
        "images": [base64.b64encode(PNG).decode()],
    }
    assert ollama.requests[-1].images == [PNG]
    assert answer == f"You said: [I see 1 picture(s): {len(PNG)} bytes] What colour is this?"


def test_a_model_that_cannot_see_is_never_sent_the_picture(ollama: FakeOllama) -> None:
    answer = chat(ollama, "qwen3:8b", vision=False)
    assert "images" not in ollama.chats()[-1]["messages"][-1]
    assert ollama.requests[-1].images == [] and "[img-0]" not in answer


def test_other_providers_get_openai_image_parts(ollama: FakeOllama) -> None:
    # Through litellm to Ollama's OpenAI-compatible /v1, which reads the parts as OpenAI's API does.
    answer = chat(ollama, "gemma3:4b", vision=True, provider="openai_compatible", base=ollama.url + "/v1")
    content = ollama.chats()[-1]["messages"][-1]["content"]
    assert content == [
        {"type": "text", "text": "What colour is this?"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
        },
    ]
    assert ollama.requests[-1].images == [PNG] and f"I see 1 picture(s): {len(PNG)} bytes" in answer


def test_on_wire_leaves_pictures_out_for_a_model_that_cannot_see() -> None:
    message = {"role": "user", "content": "", "images": [RED]}
    assert on_wire(message, vision=False, native=True) == {"role": "user", "content": ""}
    assert on_wire(message, vision=False, native=False) == {"role": "user", "content": ""}
    assert on_wire(message, vision=True, native=False)["content"] == [
        {"type": "image_url", "image_url": {"url": RED.data_url}}  # a picture sent alone: no empty text part
    ]


def test_the_stand_in_answers_bad_base64_as_ollama_does(client: httpx.Client) -> None:
    # server/routes.go (ChatHandler): Go's JSON binding of Message.Images ([]byte) fails first, with a 400.
    body = {"model": "gemma3:4b", "messages": [{"role": "user", "content": "hi", "images": ["iVBO*w0"]}]}
    answer = client.post("/api/chat", json=body)
    assert answer.status_code == 400 and answer.json() == {"error": "illegal base64 data at input byte 4"}


def test_the_stand_in_shows_a_model_without_vision_only_the_image_tag(client: httpx.Client) -> None:
    # What a real Ollama does with a picture sent to a text model: no error, an [img-0] tag in the prompt.
    message = {"role": "user", "content": "hi", "images": [base64.b64encode(PNG).decode()]}
    answer = client.post("/api/chat", json={"model": "qwen3:8b", "messages": [message], "stream": False})
    assert answer.status_code == 200 and answer.json()["message"]["content"] == "You said: [img-0]hi"


def test_the_stand_in_refuses_a_gif_on_v1_as_ollama_does(client: httpx.Client) -> None:
    part = {"type": "image_url", "image_url": {"url": "data:image/gif;base64,R0lGODlh"}}
    body = {"model": "gemma3:4b", "messages": [{"role": "user", "content": [part]}]}
    answer = client.post("/v1/chat/completions", json=body)
    assert answer.status_code == 400 and answer.json()["error"]["message"] == "invalid image input"


def test_which_models_can_see() -> None:
    assert can_see(ModelInfo("gemma3:4b", capabilities=frozenset({"completion", "vision"})))
    assert not can_see(ModelInfo("qwen3:8b", capabilities=frozenset({"completion", "thinking"})))
    assert can_see(ModelInfo("gpt-4.1-mini", provider="openai"))  # litellm's own table, read offline
    assert can_see(ModelInfo("claude-sonnet-4-5", provider="anthropic"))
    assert not can_see(ModelInfo("llama-3.3-70b-versatile", provider="groq"))
    assert not can_see(ModelInfo("made-up-model", provider="openai"))
    assert not can_see(ModelInfo("llava", provider="openai_compatible"))  # its server does not say
    assert can_see(from_entry("eyes", {"model_info": {"supports_vision": True}}))
    assert not can_see(from_entry("text", {"model_info": {"supports_vision": False}}))


def test_the_json_export_carries_the_picture_and_reads_it_back() -> None:
    turns = [Turn("user", "What colour?", images=[RED]), Turn("assistant", "Red.")]
    exported = json.loads(to_json(turns, {"model": "gemma3:4b"}))
    assert exported["messages"][0]["images"] == [
        {"name": "red.png", "mime": "image/png", "size": len(PNG), "data": base64.b64encode(PNG).decode()}
    ]
    _, back = from_json(to_json(turns, {}))
    assert back[0].images == [RED] and history(back)[0]["images"] == [RED]


def test_a_broken_picture_in_an_import_says_which_message() -> None:
    text = to_json([Turn("user", "hi", images=[RED])], {}).replace(
        base64.b64encode(PNG).decode(), "bm90IGEgcGljdHVyZQ=="
    )
    with pytest.raises(ImportFailed, match=r"messages\[0\] .*is not a PNG, JPEG, WebP or GIF picture"):
        from_json(text)


def test_the_markdown_export_names_the_picture_without_its_bytes() -> None:
    turns = [Turn("user", "What colour?", images=[RED]), Turn("assistant", "Red.")]
    markdown = to_markdown(turns, {})
    assert f"- _Picture: red.png (PNG, {len(PNG)} B) (in the JSON export)_" in markdown
    assert base64.b64encode(PNG).decode() not in markdown and "data:" not in markdown


@pytest.mark.parametrize(
    ("provider", "model", "path"),
    [
        ("openai", "gpt-4.1-mini", "/v1"),
        ("anthropic", "claude-sonnet-4-5", ""),
        ("gemini", "gemini-2.5-flash", ""),
    ],
)
def test_cloud_providers_get_the_picture_in_their_own_format(provider: str, model: str, path: str) -> None:
    """The OpenAI parts the app builds, as litellm turns them into each provider's own request."""
    message = {"role": "user", "content": "What colour is this?", "images": [RED]}
    with CaptureServer() as capture:
        target = Target(provider, model, capture.url + path, api_key="test-key")
        request = ChatRequest(target, [message], vision=True)
        events = list(runtime.iterate(stream_chat(request, FAST)))
        body = capture.last.body
    assert not [e.text for e in events if e.kind == "error"]
    encoded = base64.b64encode(PNG).decode()
    match provider:
        case "openai":
            assert (
                body["messages"][-1]["content"][1]["image_url"]["url"] == f"data:image/png;base64,{encoded}"
            )
        case "anthropic":
            source = body["messages"][-1]["content"][1]["source"]
            assert source == {"type": "base64", "media_type": "image/png", "data": encoded}
        case "gemini":
            parts = body["contents"][-1]["parts"]
            assert {"inline_data": {"mime_type": "image/png", "data": encoded}} in parts


def test_the_thumbnail_is_small_and_the_original_is_what_is_sent() -> None:
    from PIL import Image as Pillow

    out = io.BytesIO()
    Pillow.new("RGBA", (1000, 700), (0, 0, 255, 128)).save(out, "PNG")
    sent = read("wide.png", out.getvalue())
    with Pillow.open(io.BytesIO(sent.thumbnail)) as thumbnail:
        assert thumbnail.size == (480, 336) and thumbnail.mode == "RGBA"  # transparency kept, as PNG
    assert on_wire({"role": "user", "content": "", "images": [sent]}, True, True)["images"] == [sent.base64]
    assert base64.b64decode(sent.base64) == out.getvalue()


def test_a_model_that_cannot_see_gets_a_history_and_a_window_without_the_pictures() -> None:
    turns = [Turn("user", "What colour?", images=[RED, RED]), Turn("assistant", "Red.")]
    seeing, blind = history(turns), history(turns, vision=False)
    assert seeing[0]["images"] == [RED, RED] and "images" not in blind[0]
    # Ollama counts each picture as 768 tokens when it fits a conversation to the window (server/prompt.go)
    assert conversation_tokens(seeing) == conversation_tokens(blind) + 2 * IMAGE_TOKENS
