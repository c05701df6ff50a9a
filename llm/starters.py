"""Starter prompts for an empty chat and the Compare box: the built-in set, or the presenter's own file.

The presenter's file is TOML (`.streamlit/starters.toml` beside app.py, or `STARTERS_FILE`), one
`[[starter]]` table per card with a `prompt` and an optional `title`. It is read again on each page
load, so an edit shows on the next reload. A file that cannot be used is named with what is wrong, and
the built-in starters are offered meanwhile: a typo found in front of an audience should not empty the
page.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from llm.errors import ConfigError

# Beside app.py, not resolved (as llm.config.ENV_FILE): a copy of app.py run beside links reads its own.
ROOT = Path(__file__).absolute().parents[1]
DEFAULT_FILE = ROOT / ".streamlit" / "starters.toml"
FILE_VAR = "STARTERS_FILE"
MAX_STARTERS = 6  # two rows of three cards fit a 1280x720 projector above the chat box
MAX_TITLE = 60
MAX_PROMPT = 4_000
PREVIEW = 180  # characters of a prompt a card shows


@dataclass(frozen=True)
class Starter:
    """One card: the prompt it sends, and a short title drawn above it."""

    prompt: str
    title: str = ""

    @property
    def preview(self) -> str:
        """The prompt on one line, cut to about PREVIEW characters."""
        line = " ".join(self.prompt.split())
        return line if len(line) <= PREVIEW else line[: PREVIEW - 1].rstrip() + "…"

    @property
    def label(self) -> str:
        """A short name for a small button: the title, or the prompt's start."""
        if self.title:
            return self.title
        line = " ".join(self.prompt.split())
        return line if len(line) <= 40 else line[:39].rstrip() + "…"


# Chosen to show thinking levels apart: each has a quick wrong answer that thinking catches, and the
# last shows what thinking costs on a question that needs none.
BUILT_IN: tuple[Starter, ...] = (
    Starter(
        'How many times does the letter "r" appear in "strawberry raspberry"?',
        "Count the letters",
    ),
    Starter(
        "Ana, Ben and Caro each own one pet: a cat, a dog or a fish. Ana does not own the cat. "
        "Ben owns neither the cat nor the dog. Who owns which pet?",
        "A small logic puzzle",
    ),
    Starter(
        "A notebook and a pen cost 3.30 euros together. The notebook costs 3 euros more than the pen. "
        "How much does the pen cost?",
        "A word problem with a trap",
    ),
    Starter("Which number is bigger, 9.11 or 9.9?", "Which is bigger?"),
    Starter("Today is Wednesday. What day of the week will it be in 100 days?", "Count the days"),
    Starter(
        "Explain to a seven-year-old why the sky is blue, in three short sentences.",
        "Explain it to a child",
    ),
)


@dataclass(frozen=True)
class Starters:
    """The starters to offer, and why the presenter's file was not used (None when it was, or is absent)."""

    starters: tuple[Starter, ...]
    problem: str | None = None


def starters_file() -> Path:
    """The presenter's file: `STARTERS_FILE` (relative to app.py's folder) or `.streamlit/starters.toml`."""
    named = os.environ.get(FILE_VAR, "").strip()
    if not named:
        return DEFAULT_FILE
    path = Path(named).expanduser()
    return path if path.is_absolute() else ROOT / path


def shown_name(path: Path) -> str:
    """The file's name as a person would write it: relative to app.py's folder when inside it."""
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def load(path: Path | None = None) -> Starters:
    """The presenter's starters if their file exists and is valid, else the built-in ones."""
    path = path or starters_file()
    if not path.exists():
        return Starters(BUILT_IN)
    try:
        return Starters(parse(path.read_bytes(), shown_name(path)))
    except ConfigError as err:
        return Starters(BUILT_IN, err.message)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        return Starters(BUILT_IN, f"`{shown_name(path)}` cannot be read ({reason}).\n\n{HINT}")


HINT = (
    "Showing the built-in starters. Each starter is a `[[starter]]` table with a `prompt` and an optional "
    "`title` (README, Giving a demo)."
)


def parse(data: bytes, name: str) -> tuple[Starter, ...]:
    """Starters from a TOML file's bytes; every problem is listed in one ConfigError naming `name`."""
    problems: list[str] = []
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        problems.append("it is not UTF-8 text; save it as UTF-8")
        document = {}
    except tomllib.TOMLDecodeError as err:
        problems.append(f"it is not valid TOML: {err}")
        document = {}
    starters: list[Starter] = []
    tables = document.get("starter")
    if not problems:
        if unknown := sorted(set(document) - {"starter"}):
            problems.append(f"unknown {_keys(unknown)} at the top (the file holds only [[starter]] tables)")
        if tables is None:
            problems.append("it has no [[starter]] table")
        elif not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            problems.append("`starter` must be tables written [[starter]], one per starter")
        elif not tables:
            problems.append("it has no [[starter]] table")
        elif len(tables) > MAX_STARTERS:
            problems.append(f"it has {len(tables)} starters; at most {MAX_STARTERS} fit the page")
        else:
            for n, table in enumerate(tables, 1):
                starter = _starter(n, table, problems)
                if starter is not None:
                    starters.append(starter)
    if problems:
        if len(problems) == 1:
            what = f"`{name}` cannot be used: {problems[0]}."
        else:
            what = f"`{name}` cannot be used:\n\n" + "\n".join(f"- {p}" for p in problems)
        raise ConfigError(f"{what}\n\n{HINT}", problems=problems)
    return tuple(starters)


def _keys(names: list[str]) -> str:
    return ("keys " if len(names) > 1 else "key ") + ", ".join(f"`{n}`" for n in names)


def _starter(n: int, table: dict[str, object], problems: list[str]) -> Starter | None:
    """Starter number `n` (counted from 1), or None with its problems added."""
    before = len(problems)
    if unknown := sorted(set(table) - {"title", "prompt"}):
        problems.append(f"starter {n} has an unknown {_keys(unknown)} (a starter takes title and prompt)")
    prompt, title = table.get("prompt"), table.get("title", "")
    if prompt is None:
        problems.append(f"starter {n} has no prompt")
    elif not isinstance(prompt, str):
        problems.append(f"starter {n}'s prompt must be text in quotes")
    elif not prompt.strip():
        problems.append(f"starter {n}'s prompt is empty")
    elif len(prompt) > MAX_PROMPT:
        problems.append(f"starter {n}'s prompt is {len(prompt):,} characters; at most {MAX_PROMPT:,}")
    if not isinstance(title, str):
        problems.append(f"starter {n}'s title must be text in quotes")
    elif len(" ".join(title.split())) > MAX_TITLE:
        problems.append(f"starter {n}'s title is longer than {MAX_TITLE} characters")
    if len(problems) > before or not isinstance(prompt, str) or not isinstance(title, str):
        return None
    return Starter(prompt.strip(), " ".join(title.split()))
