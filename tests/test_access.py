"""Sharing on a network: which addresses count as shared, the passcode, its throttle, and the pages under
AppTest with `server.address` set as `--server.address` sets it (in Chromium: browser/test_sharing.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from llm import access
from llm.access import FREE_TRIES, Throttle
from testkit.fake_ollama import FakeOllama


@pytest.mark.parametrize(
    ("address", "shared"),
    [
        ("127.0.0.1", False),
        ("localhost", False),
        ("::1", False),
        ("0.0.0.0", True),
        ("192.168.1.20", True),
        ("127.0.0.2", True),  # loopback, but not an address anyone types to stay local: the tests' LAN
        ("", True),  # Streamlit with no address listens on every interface
        (None, True),
    ],
)
def test_which_addresses_are_shared(address: str | None, shared: bool) -> None:
    assert access.shared(address) is shared


def test_rules_for_each_setting() -> None:
    local = access.access("127.0.0.1", {"APP_PASSCODE": "x"})
    assert not local.shared and not local.gated and local.problem is None
    gated = access.access("0.0.0.0", {"APP_PASSCODE": " s3cret "})
    assert gated.shared and gated.passcode == "s3cret" and gated.problem is None
    opened = access.access("0.0.0.0", {"APP_OPEN": "true"})
    assert opened.shared and not opened.gated and opened.problem is None
    refused = access.access(None, {"APP_OPEN": "no"})
    assert refused.problem is not None
    assert "APP_PASSCODE" in refused.problem and "APP_OPEN=true" in refused.problem
    assert "every network interface" in refused.problem


def test_passcode_must_match_whole() -> None:
    assert access.matches("s3cret", "s3cret")
    assert not access.matches("s3cre", "s3cret") and not access.matches("s3cret!", "s3cret")
    assert not access.matches("", "s3cret") and access.matches("pässwörd", "pässwörd")


def test_throttle_makes_repeated_failures_wait_longer_and_longer() -> None:
    now = [1000.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(FREE_TRIES):
        assert throttle.attempt("10.0.0.9", "wrong", "right") == (False, 0.0)
    granted, wait = throttle.attempt("10.0.0.9", "right", "right")
    assert not granted and wait == access.FIRST_WAIT  # even the right passcode waits its turn
    assert throttle.attempt("10.0.0.8", "right", "right") == (True, 0.0)  # another visitor is not held up
    now[0] += access.FIRST_WAIT
    assert throttle.attempt("10.0.0.9", "wrong", "right") == (False, 0.0)
    assert throttle.wait("10.0.0.9") == 2 * access.FIRST_WAIT
    now[0] += 10_000
    assert throttle.attempt("10.0.0.9", "right", "right") == (True, 0.0)
    assert throttle.wait("10.0.0.9") == 0.0  # forgiven once in


@pytest.fixture
def bound() -> Iterator[Callable[[str], None]]:
    """Set Streamlit's `server.address` for an AppTest, as `--server.address` does."""
    before = config.get_option("server.address")
    yield lambda address: config.set_option("server.address", address)
    config.set_option("server.address", before)


def test_shared_without_passcode_refuses_to_serve(
    make_app: Callable[[], AppTest], bound: Callable[[str], None]
) -> None:
    bound("0.0.0.0")
    at = make_app()
    assert "no APP_PASSCODE is set" in at.error[0].value
    assert not at.chat_input and not at.sidebar.selectbox


def test_shared_with_passcode_asks_for_it_then_locks_addresses_and_keys(
    make_app: Callable[[], AppTest],
    bound: Callable[[str], None],
    app_env: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bound("0.0.0.0")
    monkeypatch.setenv("APP_PASSCODE", "s3cret")
    at = make_app()
    assert not at.chat_input and not at.sidebar.selectbox
    at.text_input(key="access_passcode").input("guess")
    at.button[0].click().run()
    assert "Wrong passcode" in at.error[0].value and not at.chat_input

    at.text_input(key="access_passcode").input("s3cret")
    at.button[0].click().run()
    assert not at.exception and at.chat_input
    url = at.sidebar.text_input(key="ollama_base_locked")
    assert url.disabled and url.value == app_env.url
    at.sidebar.selectbox(key="provider").select("openai").run()
    assert not [t for t in at.sidebar.text_input if t.key == "key_openai"]
    assert "takes no pasted keys" in " ".join(c.value for c in at.sidebar.caption)


def test_on_loopback_nothing_changes(
    make_app: Callable[[], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_PASSCODE", "s3cret")  # set, but the app listens on 127.0.0.1 only
    at = make_app()
    assert at.chat_input and not at.sidebar.text_input(key="ollama_base").disabled
