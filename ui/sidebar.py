"""The sidebar drawn on every page: provider, model, thinking and generation settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from llm import catalog, images, keep_alive
from llm.config import Settings
from llm.context import DEFAULT_CEILING, SIZES, Window, choose, conversation_tokens, reply_room, short
from llm.errors import LLMError
from llm.markdown import for_page
from llm.models import (
    PROVIDERS,
    ModelInfo,
    env_key,
    thinking_style,
)
from llm.request import ChatRequest, Target
from llm.thinking import LABELS, Level, Style
from llm.warm import Warmup
from ui import access
from ui.errors import show_error
from ui.navigation import hand_over
from ui.pickers import model_picker, thinking_picker


@dataclass(frozen=True)
class Choice:
    """What the sidebar selected; pages turn it into requests."""

    target: Target
    info: ModelInfo
    style: Style
    level: Level | None
    show_thinking: bool
    system: str
    temperature: float
    max_tokens: int | None
    context: int | None = None  # Ollama's context window: a fixed size, or None for Auto
    max_ctx: int = DEFAULT_CEILING  # Auto's ceiling
    keep_alive: str | None = None  # how long Ollama keeps the model loaded (Ollama only)
    vision: bool = False  # the model takes pictures (`llm.images.can_see`)

    def window(
        self,
        messages: list[dict[str, Any]],
        level: Level | None = None,
        target: Target | None = None,
        style: Style | None = None,
    ) -> Window | None:
        """The context window a request with these messages gets (Ollama only; others set their own)."""
        target = target or self.target
        if not PROVIDERS[target.provider].native:
            return None
        maximum = self.info.context_length if target.model == self.target.model else None
        thinks = (style or self.style) != "none" and (level or self.level) != "off"
        prompt = conversation_tokens(messages, self.system)
        return choose(prompt, reply_room(self.max_tokens, thinks), maximum, self.context, self.max_ctx)

    def request(
        self,
        messages: list[dict[str, Any]],
        level: Level | None = None,
        target: Target | None = None,
        style: Style | None = None,
    ) -> ChatRequest:
        window = self.window(messages, level, target, style)
        return ChatRequest(
            target=target or self.target,
            messages=messages,
            style=style or self.style,
            level=level if level is not None else self.level,
            system=self.system,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            show_thinking=self.show_thinking,
            num_ctx=window.size if window else None,
            keep_alive=self.keep_alive,
            vision=self.vision and (target or self.target) == self.target,
        )

    @property
    def settings(self) -> dict[str, str]:
        """Provider, model and level, for exports and captions (never the key)."""
        return {
            "provider": PROVIDERS[self.target.provider].label,
            "model": self.target.model,
            "thinking": LABELS[self.level] if self.level else "n/a",
        }


@st.cache_data(ttl=60, show_spinner=False)
def cached_models(provider: str, base: str | None, api_key: str | None) -> list[ModelInfo]:
    return catalog.models_for(provider, base, api_key)


@st.cache_data(ttl=300, show_spinner=False)
def cached_show(base: str, model: str) -> ModelInfo:
    return catalog.show(base, model)


def refresh_models() -> None:
    cached_models.clear()
    cached_show.clear()


def model_info(provider: str, base: str | None, model: str, listed: list[ModelInfo]) -> ModelInfo:
    """The model's facts: Ollama's capabilities from `/api/show`, otherwise what its name tells."""
    if PROVIDERS[provider].native and base:
        try:
            return cached_show(base, model)
        except LLMError:
            return ModelInfo(model)  # a missing model is reported when a message is sent
    return next((m for m in listed if m.name == model), ModelInfo(model, provider=provider))


def _api_key(provider: str, locked: bool = False) -> str | None:
    spec = PROVIDERS[provider]
    if not spec.key_var:
        return None
    if locked:  # shared on a network: keys come from the server's .env only, never from a visitor
        if env_key(provider):
            st.caption(f"Using {spec.key_var} from the server's environment.")
        elif not spec.key_optional:
            st.caption(f"This shared app takes no pasted keys: its owner sets {spec.key_var} in `.env`.")
        return None
    # A pasted key moves from the field to session state at once: a password field's value is part of the
    # page's HTML, and switching provider and back keeps the key this way.
    store: dict[str, str] = st.session_state.setdefault("api_keys", {})
    field = f"key_{provider}"

    def take() -> None:
        if pasted := st.session_state[field].strip():
            store[provider] = pasted
        st.session_state[field] = ""

    st.text_input(
        f"{spec.label} API key",
        type="password",
        key=field,
        on_change=take,
        placeholder="Paste another key to replace it" if store.get(provider) else "Paste a key",
        help="Kept in this browser session only: never saved, logged or exported.",
    )
    if store.get(provider):
        st.caption("Using the key you pasted, kept for this session only.")
        return store[provider]
    if env_key(provider):
        st.caption(f"Using {spec.key_var} from the environment.")
    elif not spec.key_optional:
        st.caption(f"Set {spec.key_var} in `.env`, or paste a key above.")
    return None


def listed_models(provider: str, base: str | None, api_key: str | None) -> tuple[list[ModelInfo], str]:
    """The provider's model list, and the reason when it cannot be had (then the list is empty)."""
    try:
        return cached_models(provider, base, api_key), ""
    except LLMError as err:
        return [], str(err)


def _model(provider: str, base: str | None, api_key: str | None, default: str) -> tuple[str, list[ModelInfo]]:
    listed, problem = listed_models(provider, base, api_key)
    if problem:
        st.warning(for_page(problem))
    col, refresh = st.columns([4, 1], vertical_alignment="bottom")
    model = model_picker(
        listed, default, f"model_{provider}", col, help="Pick a model, or type any name the provider knows."
    )
    if refresh.button(":material/refresh:", key="refresh_models", help="Refresh the model list"):
        refresh_models()
        st.rerun()
    return model, listed


def _address(label: str, value: str, key: str, locked: bool, help: str | None = None) -> str:
    """A server address box; read-only, showing the `.env` value, when the app is shared on a network
    (a visitor's URL would make this server fetch it)."""
    if locked:
        st.text_input(
            label,
            value,
            key=f"{key}_locked",
            disabled=True,
            help="Set in .env: a shared app's addresses are fixed.",
        )
        return value
    return st.text_input(label, value, key=key, help=help).strip()


def draw(settings: Settings) -> Choice:
    """Draw the sidebar (call from the entry script so values survive page switches)."""
    locked = access.shared()
    with st.sidebar:
        ids = list(PROVIDERS)
        provider = st.selectbox(
            "Provider",
            ids,
            index=ids.index(settings.provider),
            key="provider",
            format_func=lambda p: PROVIDERS[p].label,
        )
        spec = PROVIDERS[provider]
        base: str | None = None
        if spec.base_setting:
            saved = settings.base_for(provider) or spec.default_base or ""
            base = _address(spec.base_label, saved, spec.base_setting, locked, spec.base_help)
            base = base.rstrip("/") if spec.native else base
        api_key = _api_key(provider, locked)
        default_model = settings.model if provider == settings.provider else ""
        model, listed = _model(provider, base, api_key, default_model)
        info = model_info(provider, base, model, listed)
        style = thinking_style(info)
        level = thinking_picker(style, settings.thinking, "thinking")
        show_thinking = st.toggle("Show thinking", value=not settings.hide_thinking, key="show_thinking")
        keep = _warm(settings, base or "", model) if spec.native else None
        # A popover, not an expander: the browser draws its widgets only once it is opened, where an
        # expander's are drawn, hidden, with every page (bench/startup.py).
        with st.popover("Generation", icon=":material/tune:", width="stretch"):
            system = st.text_area("System prompt", "", key="system_prompt")
            temperature = st.slider("Temperature", 0.0, 2.0, 0.8, 0.1, key="temperature")
            max_tokens = st.number_input(
                "Max tokens", 0, 131072, 0, 256, key="max_tokens", help="0 lets the model decide."
            )
            context = _context(settings, info) if spec.native else None
    target = Target(provider, model, base, api_key)
    return Choice(
        target,
        info,
        style,
        level,
        show_thinking,
        system,
        temperature,
        int(max_tokens) or None,
        context,
        max(settings.max_ctx, context or 0),
        keep,
        # A cloud model: litellm's table, once its background import is done (the draw does not wait).
        vision=images.can_see(info, wait=False),
    )


WARMUP = "warmup"  # session key of the latest Load model (`llm.warm.Warmup`)


def _warm(settings: Settings, base: str, model: str) -> str:
    """Keep loaded, and Load model with its progress; returns the keep_alive to send with every chat."""
    options = list(keep_alive.CHOICES)
    if settings.keep_alive not in options:
        options.append(settings.keep_alive)  # a value set in .env, e.g. 2h
    keep: str = st.selectbox(
        "Keep loaded",
        options,
        index=options.index(settings.keep_alive),
        format_func=keep_alive.label,
        key="keep_alive",
        help="How long Ollama keeps the model in memory after each reply (its keep_alive). "
        "Loading a large model takes tens of seconds: keep it loaded through a demo.",
    )
    job: Warmup | None = st.session_state.get(WARMUP)
    if job is not None and (job.base, job.model) != (base, model):
        job = None  # another model is picked: its load is not this one's
    running = job is not None and not job.done
    st.button(
        "Load model",
        key="load_model",
        icon=":material/memory:",
        disabled=running or not model,
        width="stretch",
        help="Load the model into memory now, so the first answer does not wait for it.",
        on_click=_start_load,  # before this run: the run it starts draws the button disabled
        args=(Warmup(base, model, keep), settings.limits.first_token),
    )
    if job is not None:
        st.fragment(_warm_status, run_every=1.0 if running else None)(job, running)
    return keep


def _start_load(job: Warmup, timeout: float) -> None:
    st.session_state[WARMUP] = job.start(timeout)


def _warm_status(job: Warmup, polling: bool) -> None:
    """The load's progress, redrawn each second while it runs (the rest of the page stays usable)."""
    if not job.done:
        st.caption(f":material/hourglass_top: {for_page(job.status())}")
    elif job.error:
        show_error(job.status())
    else:
        st.caption(f":material/check_circle: {for_page(job.status())}")
    if polling and job.done:
        st.rerun()  # the whole page: its next run draws this without the timer


def _context(settings: Settings, info: ModelInfo) -> int | None:
    """Ollama's context window: Auto (0 here), or a fixed size up to the model's maximum."""
    maximum = info.context_length
    sizes = [s for s in SIZES if not maximum or s <= maximum]
    if maximum and maximum not in sizes and maximum < SIZES[-1]:
        sizes.append(maximum)
    if settings.num_ctx and settings.num_ctx not in sizes:
        sizes = sorted([*sizes, settings.num_ctx])
    ceiling = min(settings.max_ctx, maximum) if maximum else settings.max_ctx
    options = [0, *sizes]
    chosen = st.selectbox(
        "Context",
        options,
        index=options.index(settings.num_ctx or 0),
        format_func=lambda n: f"{short(n)} tokens" if n else f"Auto (up to {short(ceiling)})",
        key="context",
        help=(
            "How much of the conversation the model can see (Ollama's num_ctx). Auto grows it with the "
            "conversation; a bigger window takes more memory. Ollama drops the oldest messages of a "
            "conversation longer than the window"
            + (f"; this model takes up to {short(maximum)} tokens." if maximum else ".")
        ),
    )
    return int(chosen) or None


def current() -> Choice:
    """The sidebar's choice, for a page (a page file run without app.py hands over to it first)."""
    if "choice" not in st.session_state:
        hand_over()
    return st.session_state["choice"]
