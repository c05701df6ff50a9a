"""Present view under AppTest: the sidebar toggle, `?present=1`, the one-line header, and Compare's layout."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from testkit.fake_ollama import FakeOllama
from tests.conftest import ENTRY
from tests.test_chat_page import messages, send
from tests.test_compare_page import COMPARE
from ui.present import STYLE

MakeApp = Callable[..., AppTest]


def header(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if m.value.startswith(":material/smart_toy:"))


def styled(at: AppTest) -> bool:
    return any(h.value == STYLE for h in at.html)


def nudges(at: AppTest) -> list[str]:
    """The scripts that fold or unfold the sidebar in this run (none when nothing changed)."""
    return [h.value for h in at.sidebar.html if "wantCollapsed" in h.value]


def test_the_toggle_turns_present_view_on_and_off_and_keeps_the_url_in_step(make_app: MakeApp) -> None:
    at = make_app()
    toggle = at.sidebar.toggle(key="present")
    assert toggle.label == "Present" and toggle.value is False
    assert [t.value for t in at.title] == ["Chat"] and header(at) == "" and not styled(at)
    assert "present" not in at.query_params and nudges(at) == []

    toggle.set_value(True).run()
    assert not at.exception, at.exception
    assert at.query_params.get("present") == "1"
    assert header(at) == ":material/smart_toy: **gpt\\-oss\\:20b** · Thinking **Medium**"
    assert [t.value for t in at.title] == [] and styled(at)
    assert ["const wantCollapsed = true;" in n for n in nudges(at)] == [True]

    at.sidebar.radio(key="thinking_ollama-effort").set_value("high").run()
    assert header(at).endswith("Thinking **High**")
    assert nudges(at) == []  # pressed once: the sidebar may be opened during the demo and stays open
    assert at.query_params.get("present") == "1"

    at.sidebar.toggle(key="present").set_value(False).run()
    assert "present" not in at.query_params and header(at) == "" and not styled(at)
    assert [t.value for t in at.title] == ["Chat"]
    assert ["const wantCollapsed = false;" in n for n in nudges(at)] == [True]


def test_present_in_the_url_opens_present_view_and_the_chat_works(app_env: FakeOllama) -> None:
    at = AppTest.from_file(str(ENTRY), default_timeout=30)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.toggle(key="present").value is True
    assert header(at).startswith(":material/smart_toy: **gpt\\-oss\\:20b**") and styled(at)
    assert nudges(at)  # the browser's own remembered sidebar state is overridden once

    send(at, "hello room")
    assert messages(at)[0] == ("user", "hello room")
    assert header(at) and at.query_params.get("present") == "1"
    assert "chat" in at.query_params  # the conversation's own parameter sits beside it

    at.sidebar.selectbox(key="model_ollama").set_value("llama3.2:3b").run()
    assert header(at).endswith("no thinking (this model cannot think)")


def test_other_values_of_present_leave_the_normal_view(app_env: FakeOllama) -> None:
    at = AppTest.from_file(str(ENTRY), default_timeout=30)
    at.query_params["present"] = "0"
    at.run()
    assert at.sidebar.toggle(key="present").value is False and header(at) == ""
    assert "present" not in at.query_params


def test_compare_in_present_view_folds_the_editors_and_runs(make_app: MakeApp, app_env: FakeOllama) -> None:
    at = make_app()
    at.switch_page(COMPARE).run()
    assert [e.label for e in at.expander if e.label == "Columns"] == []
    at.sidebar.toggle(key="present").set_value(True).run()
    assert not at.exception, at.exception
    columns = next(e for e in at.expander if e.label == "Columns")
    assert [s.value for s in columns.selectbox if s.key and s.key.split("_")[2] == "level"] == [
        "low",
        "medium",
        "high",
    ]
    assert at.query_params.get("present") == "1" and styled(at)
    at.button(key="compare_starter_0").click().run()
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    assert sorted(c["think"] for c in app_env.chats()) == ["high", "low", "medium"]
    assert len(at.table) == 1 and len(at.dataframe) == 0  # figures as a plain table, in the room's type
    assert "Total time" in at.table[0].value.index

    at.sidebar.toggle(key="present").set_value(False).run()
    assert len(at.table) == 0 and len(at.dataframe) == 1
