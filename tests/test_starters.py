"""Starter prompts: the built-in set, the presenter's TOML file, and what a bad file is told."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm import starters
from llm.errors import ConfigError
from llm.starters import BUILT_IN, MAX_STARTERS, Starter, load, parse

NAME = ".streamlit/starters.toml"


def test_built_in_starters_are_four_to_six_with_titles() -> None:
    assert 4 <= len(BUILT_IN) <= MAX_STARTERS
    assert all(s.title and s.prompt.strip() for s in BUILT_IN)
    assert len({s.prompt for s in BUILT_IN}) == len(BUILT_IN)


def test_a_valid_file_gives_its_starters_in_order() -> None:
    data = b"""
[[starter]]
title = "  Our   product "
prompt = '''
Summarise our return policy in one line.
'''

[[starter]]
prompt = "What is 17 x 23?"
"""
    assert parse(data, NAME) == (
        Starter("Summarise our return policy in one line.", "Our product"),
        Starter("What is 17 x 23?", ""),
    )


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"[[starter]\nprompt = 'x'", "is not valid TOML: "),
        (b'[[starter]]\nprompt = "x\n', "(at line 2, column"),
        (b"\xff\xfeprompt", "is not UTF-8 text"),
        (b"", "it has no [[starter]] table"),
        (b'starter = "hello"', "`starter` must be tables written [[starter]]"),
        (b'title = "x"\n[[starter]]\nprompt = "y"', "unknown key `title` at the top"),
        (b'[[starter]]\ntitle = "t"', "starter 1 has no prompt"),
        (b"[[starter]]\nprompt = 42", "starter 1's prompt must be text in quotes"),
        (b'[[starter]]\nprompt = "   "', "starter 1's prompt is empty"),
        (b'[[starter]]\nprompt = "x"\ntitle = ["a"]', "starter 1's title must be text in quotes"),
        (b'[[starter]]\nprompt = "x"\ntitle = "' + b"t" * 61 + b'"', "title is longer than 60 characters"),
        (b'[[starter]]\nprompt = "x"\npromt = "y"', "starter 1 has an unknown key `promt`"),
        (b'[[starter]]\nprompt = "x"\n' * 7, "it has 7 starters; at most 6 fit the page"),
    ],
)
def test_a_bad_file_is_named_with_what_is_wrong(data: bytes, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(data, NAME)
    message = caught.value.message
    assert message.startswith(f"`{NAME}` cannot be used")
    assert says in message and "Showing the built-in starters" in message


def test_every_problem_of_a_file_is_listed() -> None:
    data = b'[[starter]]\ntitle = "a"\n[[starter]]\nprompt = ""\n[[starter]]\nprompt = "fine"'
    with pytest.raises(ConfigError) as caught:
        parse(data, NAME)
    assert caught.value.problems == ["starter 1 has no prompt", "starter 2's prompt is empty"]
    assert "- starter 1 has no prompt\n- starter 2's prompt is empty" in caught.value.message


def test_load_falls_back_to_the_built_in_starters(tmp_path: Path) -> None:
    assert load(tmp_path / "none.toml") == starters.Starters(BUILT_IN)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[starter]]\ntitle = 'no prompt'\n")
    found = load(bad)
    assert found.starters == BUILT_IN and found.problem and "starter 1 has no prompt" in found.problem
    assert str(bad) in found.problem
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    found = load(folder)
    assert found.starters == BUILT_IN and found.problem and "cannot be read" in found.problem


def test_the_file_comes_from_starters_file_or_beside_app_py(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("STARTERS_FILE", raising=False)
    assert starters.starters_file() == starters.ROOT / ".streamlit" / "starters.toml"
    assert starters.shown_name(starters.starters_file()) == ".streamlit/starters.toml"
    monkeypatch.setenv("STARTERS_FILE", "demo/starters.toml")
    assert starters.starters_file() == starters.ROOT / "demo" / "starters.toml"
    mine = tmp_path / "mine.toml"
    mine.write_text('[[starter]]\nprompt = "from the variable"\n')
    monkeypatch.setenv("STARTERS_FILE", str(mine))
    assert load().starters == (Starter("from the variable"),)


def test_a_card_previews_a_long_prompt_on_one_line() -> None:
    long = Starter("word " * 100 + "\n\nend")
    assert "\n" not in long.preview and long.preview.endswith("…") and len(long.preview) <= 180
    assert long.label.endswith("…") and len(long.label) <= 40
    assert Starter("short\nprompt", "Title").label == "Title"
    assert Starter("short\nprompt").preview == "short prompt"
