"""How long Ollama keeps a model in memory after a reply: the Keep loaded choice and its `keep_alive`.

Ollama reads `keep_alive` as a number of seconds or a Go duration ("5m", "1h30m"); a negative one keeps
the model loaded until it is unloaded, and 0 unloads it at once (api/types.go Duration.UnmarshalJSON). The
app sends the person's choice with every Ollama chat and with Load model, so a model loaded before a demo
is still there when the demo starts.
"""

from __future__ import annotations

import re

from llm.errors import ConfigError

DEFAULT = "5m"  # Ollama's own default (envconfig.KeepAlive)
FOREVER = "-1"
CHOICES: dict[str, str] = {"5m": "5 min", "30m": "30 min", "1h": "1 h", FOREVER: "Until unloaded"}
# time.ParseDuration's grammar (a sign, then number-unit pairs), or whole seconds as Ollama's env takes them
_DURATION = re.compile(
    r"[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*"
)
_SECONDS = re.compile(r"[-+]?\d+")


def parse(raw: str, name: str = "OLLAMA_KEEP_ALIVE") -> str:
    """A keep-alive value from a setting ("" is the default); `ConfigError` saying what to write instead."""
    value = raw.strip().lower() or DEFAULT
    if value in ("forever", "never", "until unloaded"):
        return FOREVER
    if not (_DURATION.fullmatch(value) or _SECONDS.fullmatch(value)):
        raise ConfigError(
            f"{name}={raw.strip()!r} is not a duration. Use 5m, 30m, 1h, or -1 to keep the model loaded "
            "until it is unloaded."
        )
    if not re.search(r"[1-9]", value):
        raise ConfigError(
            f"{name}={raw.strip()} would unload the model after every reply. Use 5m, 30m, 1h, or -1."
        )
    return FOREVER if value.startswith("-") else value.lstrip("+")


def wire(value: str) -> str | int:
    """What goes in the request: whole seconds as a number (Ollama's string form needs a unit)."""
    return int(value) if _SECONDS.fullmatch(value) else value


def label(value: str) -> str:
    """'30 min', 'Until unloaded', or the value itself for one set in `.env` ('2h')."""
    return CHOICES.get(value) or (f"{value} s" if _SECONDS.fullmatch(value) else value)
