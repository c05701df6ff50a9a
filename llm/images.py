"""Pictures sent with a message to a model that can see: which files are taken, and how each API gets them.

Ollama takes base64 strings in a message's `images` (api/types.go `Message.Images []ImageData`); every
other provider, through litellm, takes OpenAI's content parts with a `data:` URL. A model that cannot see
is never sent a picture: Ollama does not refuse one, it writes an `[img-0]` tag into the prompt as text
and the model answers about a picture it never saw (server/prompt.go `imageTaggedMessages`,
runner/ollamarunner/runner.go `inputs`).
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from llm import runtime
from llm.models import PROVIDERS, ModelInfo, human_bytes

# 5 MB a picture: Anthropic's API refuses a larger image (the strictest of the providers; OpenAI and Gemini
# take 20 MB), a phone photo is 2-4 MB as JPEG, and vision models scale every picture down to under
# 1,000 pixels a side anyway. Each picture is re-sent with every later message of its chat and kept in
# the history database, so a smaller limit also keeps both light.
MAX_MB = 5
MAX_BYTES = MAX_MB * 1_000_000  # as the browser counts Streamlit's `max_upload_size` (and `human_bytes`)
# The file types every vision API takes (OpenAI, Anthropic and Gemini list these four; Ollama decodes them).
FILE_TYPES = ["png", "jpg", "jpeg", "webp", "gif"]
THUMBNAIL = 480  # pixels, a side of the copy drawn in the history (sharp on a high-density screen)
LABELS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP", "image/gif": "GIF"}


@dataclass(frozen=True)
class Image:
    """One picture as sent: its file name, its type (from its bytes, not its name) and its bytes."""

    name: str
    mime: str
    data: bytes = field(repr=False)

    @property
    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64,{self.base64}"

    @cached_property
    def thumbnail(self) -> bytes:
        """A copy at most THUMBNAIL pixels a side, made once: `st.image` decodes and re-encodes what it is
        given on every rerun of the page, and a photo as sent is slow to decode (bench/pictures.py)."""
        from PIL import Image as Pillow

        with Pillow.open(io.BytesIO(self.data)) as picture:
            picture.draft("RGB", (THUMBNAIL, THUMBNAIL))  # a JPEG decodes at a fraction of its size
            picture.thumbnail((THUMBNAIL, THUMBNAIL))
            out = io.BytesIO()
            if picture.mode in ("RGB", "L"):
                picture.save(out, "JPEG", quality=85)
            else:  # transparency, a palette: PNG keeps them
                picture.save(out, "PNG")
        return out.getvalue()

    @property
    def label(self) -> str:
        """'cat.png (PNG, 12.3 KB)', for notes and exports."""
        return f"{self.name} ({LABELS[self.mime]}, {human_bytes(len(self.data))})"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mime": self.mime, "size": len(self.data), "data": self.base64}

    @classmethod
    def from_dict(cls, data: object) -> Image:
        """The picture `as_dict` wrote; ValueError saying what is wrong."""
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("name", "data")):
            raise ValueError("has a picture without a name or data")
        try:
            raw = base64.b64decode(data["data"], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"has a picture whose data is not base64 ({data['name'][:40]!r})") from None
        return read(data["name"], raw)


def sniff(data: bytes) -> str | None:
    """The picture type its first bytes announce, or None when it is none of the four taken."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def read(name: str, data: bytes) -> Image:
    """A picture to send; ValueError with a message for the person when it is too large or not a picture."""
    name = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "picture"
    if len(data) > MAX_BYTES:
        size = (
            human_bytes(len(data)) if len(data) > MAX_BYTES * 1.05 else f"{len(data):,} bytes"
        )  # not "5.0 MB"
        raise ValueError(
            f"{name} is {size}: pictures can be up to {MAX_MB} MB. Send a smaller or scaled-down copy."
        )
    mime = sniff(data)
    if mime is None:
        raise ValueError(f"{name} is not a PNG, JPEG, WebP or GIF picture, the kinds a model can be shown.")
    if not decodes(data):
        raise ValueError(f"{name} could not be read as a picture: the file is damaged or incomplete.")
    return Image(name, mime, data)


def decodes(data: bytes) -> bool:
    """Whether the picture decodes whole: a damaged one would fail every later drawing of its chat (and a
    provider's request), so it is refused when sent. Pillow comes with Streamlit; it is loaded only here."""
    from PIL import Image as Pillow

    try:
        with Pillow.open(io.BytesIO(data)) as picture:
            picture.load()  # Pillow refuses a decompression bomb here too (over 178 million pixels)
    except Exception:
        return False
    return True


def can_see(info: ModelInfo, wait: bool = True) -> bool:
    """Whether a model takes pictures: Ollama's `vision` capability (`/api/show`), a LiteLLM Proxy's
    `supports_vision`, else litellm's own table of cloud models. An OpenAI-compatible server does not say.

    With `wait=False` a cloud model reads as unable to see until litellm's background import has finished
    (the page's draw does not wait seconds for it; the next run asks again).
    """
    provider = PROVIDERS.get(info.provider)
    # A server's own list says (Ollama's /api/show, a proxy's model info; an OpenAI-compatible one does not)
    if provider is None or provider.listing != "fixed" or "vision" in info.capabilities:
        return "vision" in info.capabilities
    if not info.name:
        return False
    litellm = runtime.litellm() if wait else runtime.litellm_if_loaded()
    if litellm is None:
        return False
    try:
        return bool(litellm.supports_vision(model=provider.prefix + info.name))
    except Exception:  # a name litellm cannot place: no pictures rather than a failed page
        return False


def on_wire(message: Mapping[str, Any], vision: bool, native: bool) -> dict[str, Any]:
    """One message as sent: with its pictures for a model that can see (Ollama's `images` when `native`,
    else OpenAI's content parts), without them otherwise."""
    pictures: list[Image] = list(message.get("images") or ()) if vision else []
    out: dict[str, Any] = {"role": message["role"], "content": message["content"]}
    if not pictures:
        return out
    if native:
        out["images"] = [p.base64 for p in pictures]
        return out
    text = [{"type": "text", "text": message["content"]}] if message["content"] else []
    out["content"] = text + [{"type": "image_url", "image_url": {"url": p.data_url}} for p in pictures]
    return out
