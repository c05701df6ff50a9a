"""Parts of the Models page: installed and loaded models, the pull box with its progress bar, removal."""

from __future__ import annotations

import time
from contextlib import closing
from datetime import UTC, datetime

import streamlit as st

from llm import ollama, servers
from llm.errors import LLMError
from llm.models import PROVIDERS, ModelInfo, human_bytes
from llm.pull import SUGGESTIONS, PullTracker
from ui.errors import show_error
from ui.sidebar import cached_show, refresh_models

PULL_NAME = "pull_name"  # the "Model to pull" text box
REMOVE_NAME = "remove_name"  # the "Model to remove" picker
PENDING = "remove_pending"  # the model whose removal waits for "Confirm remove"
NOTICE = "models_notice"  # a message that outlives the rerun after a change
RESET = "models_reset"  # widget values to set on that rerun, before the widgets are drawn
CAPABILITIES = ("thinking", "vision", "tools")
SERVER = "models_server"  # with several Ollama servers: the one the page manages


def explain_not_ollama(provider: str) -> None:
    spec = PROVIDERS[provider]
    where = spec.hosting or f"{spec.label} hosts its models: there is nothing to install or remove."
    st.info(
        f"This page manages the models of an **Ollama** server: what is installed, what is in memory, "
        f"pulling new models and removing old ones. {where} Pick **Ollama** as the Provider in the "
        "sidebar to manage a local server.",
        icon=":material/deployed_code:",
    )


def changed(message: str, reset: dict[str, object] | None = None) -> None:
    """After a pull, delete or unload: refresh the chat's model list and redraw with `message`."""
    st.session_state[NOTICE] = message
    st.session_state[RESET] = reset or {}
    refresh_models()
    st.rerun()


def notice() -> None:
    """The message of the change that caused this run; its widget resets (a browser resends old values)."""
    st.session_state.update(st.session_state.pop(RESET, {}))
    if message := st.session_state.pop(NOTICE, None):
        st.success(message, icon=":material/check_circle:")


def _capabilities(base: str, model: str) -> list[str]:
    try:
        can = cached_show(base, model).capabilities
    except LLMError:
        return []
    return [c for c in CAPABILITIES if c in can]


def servers_section(bases: tuple[str, ...]) -> str:
    """With several Ollama servers: each one's models and what it has in memory; return the server that the
    sections below manage (pull, unload, remove act on one server)."""
    st.subheader("Servers")
    st.dataframe(
        [
            {
                "Server": state.base,
                "State": str(state.error) if state.error else "running",
                "Installed": ", ".join(m.name for m in state.models),
                "In memory": ", ".join(m.name for m in state.loaded),
            }
            for state in servers.overview(bases)
        ],
        hide_index=True,
        width="stretch",
    )
    return str(
        st.selectbox(
            "Server to manage", bases, key=SERVER, help="Pull, unload and remove below act on this server."
        )
    )


def installed_table(base: str, models: list[ModelInfo]) -> None:
    st.subheader("Installed")
    if not models:
        st.info("No models installed yet: pull one below.")
        return
    rows = [
        {
            "Model": m.name,
            "Size": human_bytes(m.size),
            "Parameters": m.parameter_size,
            "Quantization": m.quantization,
            "Family": m.family,
            "Can": _capabilities(base, m.name),
        }
        for m in models
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={"Can": st.column_config.ListColumn("Can", help="thinking, vision, tools")},
    )


def loaded_section(base: str) -> None:
    st.subheader("In memory")
    try:
        running = ollama.loaded(base)
    except LLMError as err:
        show_error(err)
        return
    if not running:
        st.caption(
            "No model is in memory. A model loads when a chat first uses it, and Ollama unloads it "
            "after a few idle minutes."
        )
        return
    now = datetime.now(UTC)
    st.dataframe(
        [
            {
                "Model": m.name,
                "Memory": human_bytes(m.size),
                "VRAM": human_bytes(m.size_vram),
                "Runs on": m.processor,
                "Context": f"{m.context_length:,} tokens" if m.context_length else "not reported",
                "Unloads": m.unloads_in(now),
            }
            for m in running
        ],
        hide_index=True,
        width="stretch",
        column_config={"Context": st.column_config.TextColumn(help="The context window it was loaded with")},
    )
    for col, model in zip(st.columns(max(len(running), 3)), running, strict=False):
        if col.button(f"Unload {model.name}", key=f"unload_{model.name}", help="Free its memory now"):
            try:
                ollama.unload(base, model.name)
            except LLMError as err:
                show_error(err)
                return
            changed(f"Unloaded `{model.name}`: its memory is free.")


def _suggest(name: str) -> None:
    st.session_state[PULL_NAME] = name


def pull_box(base: str, installed: set[str]) -> None:
    st.subheader("Pull a model")
    st.caption("Models that think, to start with (click one, then Pull):")
    for col, tip in zip(st.columns(len(SUGGESTIONS)), SUGGESTIONS, strict=True):
        mark = " ✓" if tip.name in installed else ""
        col.button(
            tip.name + mark,
            key=f"suggest_{tip.name}",
            on_click=_suggest,
            args=(tip.name,),
            help=f"{tip.about} Download: about {tip.download}.",
            width="stretch",
        )
    col, button = st.columns([4, 1], vertical_alignment="bottom")
    name = col.text_input(
        "Model to pull",
        key=PULL_NAME,
        placeholder="e.g. qwen3:8b",
        help="Any name from ollama.com/library, with a tag for its size: `qwen3:8b`.",
    )
    if button.button("Pull", key="pull", type="primary", width="stretch"):
        pull(base, name.strip())


def pull(base: str, model: str) -> None:
    """Pull `model` while drawing its progress; on success, refresh the model lists."""
    if not model:
        st.warning("Type a model name first, e.g. `qwen3:8b`, or click a suggestion.")
        return
    st.caption("A click elsewhere on the page stops the pull; press Pull again to resume it.")
    bar = st.progress(0.0, text=f"Pulling `{model}`…")
    tracker = PullTracker(time.monotonic())
    try:
        with closing(ollama.pull(base, model)) as lines:  # a click that ends this run also ends the download
            for progress in lines:
                snapshot = tracker.update(progress, time.monotonic())
                bar.progress(snapshot.fraction, text=snapshot.label())
    except LLMError as err:
        show_error(err)
        return
    changed(tracker.snapshot.summary(model), {PULL_NAME: ""})


def remove_box(base: str, models: list[ModelInfo]) -> None:
    if not models:
        return
    st.subheader("Remove a model")
    sizes = {m.name: m.size for m in models}
    col, button = st.columns([4, 1], vertical_alignment="bottom")
    name = col.selectbox(
        "Model to remove", list(sizes), index=None, key=REMOVE_NAME, placeholder="Pick an installed model"
    )
    if button.button("Remove", key="remove", disabled=name is None, width="stretch"):
        st.session_state[PENDING] = name
    if name is None or st.session_state.get(PENDING) != name:
        st.session_state.pop(PENDING, None)
        return
    st.warning(
        f"Remove `{name}`? Its {human_bytes(sizes[name])} of files are deleted from the Ollama "
        "server; using it again means pulling it again.",
        icon=":material/delete:",
    )
    confirm, cancel, _ = st.columns([1, 1, 3])
    if cancel.button("Cancel", key="cancel_remove", width="stretch"):
        st.session_state.pop(PENDING, None)
        st.rerun()
    if confirm.button("Confirm remove", key="confirm_remove", type="primary", width="stretch"):
        st.session_state.pop(PENDING, None)
        try:
            ollama.delete(base, name)
        except LLMError as err:
            show_error(err)
            return
        changed(f"Removed `{name}` (unloaded from memory first).", {REMOVE_NAME: None})
