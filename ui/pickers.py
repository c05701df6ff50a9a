"""The model and thinking pickers, drawn the same way in the sidebar and in each Compare column."""

from __future__ import annotations

from typing import Literal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from llm.models import ModelInfo
from llm.thinking import LABELS, NO_THINKING_REASON, Level, Style, coerce, levels


def model_picker(
    listed: list[ModelInfo],
    wanted: str,
    key: str,
    where: DeltaGenerator | None = None,
    help: str | None = None,
) -> str:
    """The Model selectbox over the listed models, labelled with their facts; any other name can be typed.

    `wanted` (a name from `.env`, or one picked before) comes first when the list lacks it, and is selected;
    with none, the first listed model is. `where` is the container to draw in (default: the current one).
    """
    names = [m.name for m in listed]
    if wanted and wanted not in names:
        names.insert(0, wanted)
    labels = {m.name: m.label for m in listed}
    model: str | None = (where or st).selectbox(
        "Model",
        names,
        index=names.index(wanted) if wanted else (0 if names else None),
        key=key,
        format_func=lambda n: labels.get(n, n),
        accept_new_options=True,
        placeholder="Type a model name",
        help=help,
    )
    return model or ""


def thinking_picker(
    style: Style, wanted: str | None, key: str, widget: Literal["radio", "selectbox"] = "radio"
) -> Level | None:
    """The Thinking control over the levels a model of `style` accepts, starting at the one nearest `wanted`;
    for a model that cannot think, a disabled control saying why, and None.

    Its key is `{key}_{style}` (a fresh widget when the levels on offer change), or `{key}_none`. The
    sidebar draws a horizontal radio; a Compare column, narrower, a selectbox.
    """
    accepted = levels(style)
    if not accepted:
        if widget == "radio":
            st.radio(
                "Thinking",
                ["Off"],
                disabled=True,
                horizontal=True,
                key=f"{key}_none",
            )
            st.caption(NO_THINKING_REASON)  # said once, below the control (not again in a tooltip)
        else:
            st.selectbox("Thinking", ["n/a"], disabled=True, key=f"{key}_none", help=NO_THINKING_REASON)
        return None
    start = accepted.index(coerce(style, wanted) or accepted[0])
    if widget == "radio":
        return st.radio(
            "Thinking",
            accepted,
            index=start,
            format_func=LABELS.__getitem__,
            horizontal=True,
            key=f"{key}_{style}",
        )
    return st.selectbox(
        "Thinking", accepted, index=start, format_func=LABELS.__getitem__, key=f"{key}_{style}"
    )
