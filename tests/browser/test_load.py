"""Several people chatting at once, each with their own model and thinking level, on one app server."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from testkit.driver import (
    assistant_messages,
    choose,
    main,
    select,
    selected,
    sidebar,
    tracebacks,
    type_message,
    user_messages,
    wait_reply,
)
from testkit.fake_ollama import FakeOllama

# (model, Thinking choice or None when the control is disabled, the `think` sent or None when left out)
SESSIONS = [
    ("gpt-oss:20b", "High", "high"),
    ("gpt-oss:20b", "Low", "low"),
    ("qwen3:8b", "Off", False),
    ("llama3.2:3b", None, None),
    ("deepseek-inline:7b", None, None),
]
ROUNDS = 2


def test_sessions_at_once_keep_their_own_messages_and_settings(
    new_page: Callable[[], Page], fake: FakeOllama
) -> None:
    fake.token_delay = 0.05  # replies last long enough to overlap
    pages = [new_page() for _ in SESSIONS]
    for page, (model, level, _) in zip(pages, SESSIONS, strict=True):
        select(page, "Model", model)
        if level:
            choose(page, "Thinking", level)

    for round_ in range(ROUNDS):
        for n, page in enumerate(pages):
            type_message(page, f"session-{n} round-{round_} word-{n * 7 + round_}")
        for page in pages:
            wait_reply(page, round_ + 1)

    for n, (page, (model, level, think)) in enumerate(zip(pages, SESSIONS, strict=True)):
        mine = [f"session-{n} round-{r} word-{n * 7 + r}" for r in range(ROUNDS)]
        assert [m.inner_text().splitlines()[-1] for m in user_messages(page).all()] == mine
        replies = [m.inner_text() for m in assistant_messages(page).all()]
        assert len(replies) == ROUNDS
        for reply, message in zip(replies, mine, strict=True):
            assert f"You said: {message}" in reply and "tok/s" in reply and "<think>" not in reply
        # The conversation on the page is the session's own (the sidebar's history lists every conversation
        # of the local user: with no login, all sessions are that one person).
        text = main(page).inner_text()
        assert not [other for other in range(len(SESSIONS)) if other != n and f"session-{other} " in text]
        assert selected(page, "Model").startswith(model)
        if level:
            group = sidebar(page).get_by_role("radiogroup", name="Thinking")
            assert group.get_by_role("radio", name=level, exact=True).is_checked()
        assert tracebacks(page) == 0

        sent = [c for c in fake.chats() if f"session-{n} " in c["messages"][-1]["content"]]
        assert len(sent) == ROUNDS
        for body in sent:
            assert body["model"] == model
            assert body.get("think") == think
            assert all(f"session-{n} " in m["content"] for m in body["messages"] if m["role"] == "user")
