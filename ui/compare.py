"""The Compare page's parts: column editors with presets, live columns, votes, the figures table and chart."""

from __future__ import annotations

from contextlib import closing

import altair as alt
import pandas as pd
import streamlit as st

from llm import runtime
from llm.compare import (
    MAX_COLUMNS,
    MIN_COLUMNS,
    PRESETS,
    Column,
    Comparison,
    column_providers,
    column_target,
    models_preset,
    redraws,
    thinking_levels_preset,
)
from llm.compare_export import to_json, to_markdown
from llm.config import Settings, load_settings
from llm.conversation import Turn
from llm.figures import PHASES, figure_lines, spreads
from llm.markdown import for_page, plain
from llm.models import PROVIDERS, thinking_style
from llm.request import Limits
from ui import present
from ui.downloads import export_buttons
from ui.pickers import model_picker, thinking_picker
from ui.sidebar import Choice, listed_models, model_info
from ui.turns import LiveReply, draw_status

MODELS_PRESET_SIZE = 3
# loading amber (a cold start, not the model's pace), waiting grey, thinking light, answering the theme
PHASE_COLORS = ["#F2B84B", "#B8B8C8", "#B9A8FF", "#7C5CFF"]


def _fill(preset: str, choice: Choice, settings: Settings) -> list[Column]:
    """Columns for a preset, built around the sidebar's model."""
    if preset == "Thinking levels":
        return thinking_levels_preset(choice.target, choice.style)
    target = choice.target
    listed, _ = listed_models(target.provider, target.api_base, target.api_key)
    names = [target.model] + [m.name for m in listed if m.name != target.model]
    models = []
    for name in names:
        other = column_target(target.provider, name, target, settings)
        models.append((other, thinking_style(model_info(target.provider, other.api_base, name, listed))))
    return models_preset(models, choice.level, MODELS_PRESET_SIZE)


def _edit(i: int, column: Column, choice: Choice, settings: Settings, gen: int) -> Column:
    """Provider, model and thinking selectboxes for one column."""
    providers = column_providers(choice.target.provider, settings)
    current = column.target.provider if column.target.provider in providers else providers[0]
    provider = st.selectbox(
        "Provider",
        providers,
        index=providers.index(current),
        key=f"col{gen}_{i}_provider",
        format_func=lambda p: PROVIDERS[p].label,
    )
    where = column_target(provider, "", choice.target, settings)
    listed, problem = listed_models(provider, where.api_base, where.api_key)
    if problem:
        st.caption(for_page(problem))
    wanted = column.target.model if column.target.provider == provider else ""  # "": the first listed
    model = model_picker(listed, wanted, f"col{gen}_{i}_model_{provider}")
    target = column_target(provider, model, choice.target, settings)
    style = thinking_style(model_info(provider, target.api_base, model, listed)) if model else "none"
    level = thinking_picker(style, column.level, f"col{gen}_{i}_level", widget="selectbox")
    return Column(target, style, level)


def _add_column() -> None:
    columns = st.session_state["compare_columns"]
    columns.append(columns[-1])


def _remove_column() -> None:
    st.session_state["compare_columns"].pop()


def edit_columns(choice: Choice, hidden: bool = False) -> list[Column]:
    """The Preset control and one editor per column; while a blind vote is open, one line instead.

    A preset refills the columns when it or the sidebar's model changes; otherwise the columns keep
    their hand edits, also across page switches (the columns live outside widget state).
    """
    if hidden and st.session_state.get("compare_columns"):
        st.caption(":material/visibility_off: Settings hidden until the reveal.")
        columns: list[Column] = st.session_state["compare_columns"]
        return columns
    settings = load_settings()
    basis = st.session_state.get("compare_basis")
    preset = st.radio(
        "Preset",
        PRESETS,
        index=PRESETS.index(basis[0]) if basis else 0,
        horizontal=True,
        key="compare_preset",
        help="Thinking levels: the sidebar's model at each level it accepts. "
        "Models: several models at the sidebar's level.",
    )
    basis = (
        preset,
        choice.target.provider,
        choice.target.model,
        choice.target.api_base,
        choice.level if preset == "Models" else None,
    )
    if st.session_state.get("compare_basis") != basis or not st.session_state.get("compare_columns"):
        st.session_state["compare_columns"] = _fill(preset, choice, settings)
        st.session_state["compare_basis"] = basis
        st.session_state["compare_gen"] = st.session_state.get("compare_gen", 0) + 1  # fresh widgets
    columns = st.session_state["compare_columns"]
    gen = st.session_state["compare_gen"]
    for i, (slot, column) in enumerate(zip(st.columns(len(columns)), columns, strict=True)):
        with slot:
            columns[i] = _edit(i, column, choice, settings, gen)
    add, remove, _ = st.columns([1, 1, 4])
    add.button("Add column", key="compare_add", on_click=_add_column, disabled=len(columns) >= MAX_COLUMNS)
    remove.button(
        "Remove column", key="compare_remove", on_click=_remove_column, disabled=len(columns) <= MIN_COLUMNS
    )
    return columns


class LiveColumn:
    """One column's placeholders: its name, the thinking block, the answer, then status and figures."""

    def __init__(self, label: str, show_thinking: bool) -> None:
        st.markdown(f"##### {plain(label)}")
        self.reply = LiveReply(show_thinking)
        self.footer = st.empty()

    def redraw(self, turn: Turn, figures: list[str], error: str) -> None:
        self.reply.redraw(turn)
        self.reply.draw_answer(turn)
        with self.footer.container():
            draw_status(turn, error, can_continue=False)  # a column has no Continue
            if figures:
                st.caption("  \n".join(figures))


def stream_runs(comparison: Comparison, repeats: int, limits: Limits, show_thinking: bool) -> None:
    """Stream every column at once, `repeats` times; replies are kept in `comparison` as they arrive."""
    progress = st.empty()
    slots = [slot.empty() for slot in st.columns(len(comparison.order))]
    for n in range(repeats):
        if repeats > 1:
            progress.caption(f"Run {n + 1} of {repeats}")
        live: dict[int, LiveColumn] = {}
        for slot, i in zip(slots, comparison.order, strict=True):
            with slot.container():
                live[i] = LiveColumn(comparison.label(i), show_thinking)
        turns = comparison.new_run()
        if turns is None:
            return  # a newer run of the page stopped this comparison
        with closing(runtime.iterate(comparison.stream(limits))) as events:
            for i in redraws(events, turns):
                live[i].redraw(
                    turns[i], figure_lines(spreads([turns[i]])), comparison.error_text(i, turns[i])
                )


def _phase_chart(data: pd.DataFrame) -> alt.Chart:
    """Horizontal stacked bars, one per column, phases left to right in the order they happen."""
    data["Order"] = data["Phase"].map(PHASES.index)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("sum(Seconds):Q", title="Seconds (median)"),
            y=alt.Y("Column:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color("Phase:N", scale=alt.Scale(domain=list(PHASES), range=PHASE_COLORS)),
            order=alt.Order("Order:Q"),
            tooltip=["Column", "Phase", alt.Tooltip("Seconds:Q", format=".2f")],
        )
    )


def _thinking_chart(data: pd.DataFrame) -> alt.LayerChart:
    """One bar per column for its thinking tokens, the number written at the bar's end (≈ if estimated)."""
    base = alt.Chart(data).encode(
        x=alt.X("Thinking tokens:Q", title="Thinking tokens (median)"),
        y=alt.Y("Column:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
    )
    bars = base.mark_bar(color=PHASE_COLORS[2])
    return bars + base.mark_text(align="left", dx=4).encode(text="Count:N")


def _votes(comparison: Comparison, i: int) -> None:
    count = comparison.votes[i]
    if comparison.hidden:
        st.button(
            f"Vote for {comparison.letter(i)}", key=f"compare_vote_{i}", on_click=comparison.vote, args=(i,)
        )
    best = count and count == max(comparison.votes)
    trophy = ":material/trophy: " if best and comparison.revealed else ""
    st.caption(f"{trophy}{count} vote{'s' if count != 1 else ''}")


def draw_results(comparison: Comparison, show_thinking: bool) -> None:
    """The latest run's columns, votes in blind mode, the figures over all runs, chart and exports."""
    if not comparison.runs:
        return
    latest = comparison.runs[-1]
    for slot, i in zip(st.columns(len(comparison.order)), comparison.order, strict=True):
        with slot:
            column = LiveColumn(comparison.label(i), show_thinking)
            column.redraw(latest[i], figure_lines(comparison.summary(i)), comparison.error_text(i, latest[i]))
            if comparison.blind:
                _votes(comparison, i)
    if comparison.hidden:
        st.button(
            "Reveal settings",
            key="compare_reveal",
            on_click=comparison.reveal,
            type="primary",
            disabled=not comparison.can_reveal,
            help="Vote for the best answer first.",
        )
    runs = len(comparison.runs)
    st.subheader("Figures")
    st.caption(
        f"Median and range over {runs} runs."
        if runs > 1
        else "One run: the same prompt varies a lot from run to run, so try Repeat N times."
    )
    present.figures(pd.DataFrame(comparison.table()).set_index("Figure"))
    if chart := comparison.chart():
        st.caption(
            "Where the time went: loading the model (a cold start), waiting for the first token, thinking, "
            "answering."
        )
        st.altair_chart(present.larger(_phase_chart(pd.DataFrame(chart))), width="stretch")
    if thought := comparison.thinking_chart():
        st.caption(
            "How much each column thought, in tokens: counted by the provider, or estimated (≈) from the "
            "thinking's share of the reply."
        )
        st.altair_chart(present.larger(_thinking_chart(pd.DataFrame(thought))), width="stretch")
    if not comparison.hidden:
        row = st.container(horizontal=True)
        export_buttons(
            row, "comparison", lambda: to_markdown(comparison), lambda: to_json(comparison), "compare"
        )
