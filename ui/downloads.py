"""The Markdown and JSON download buttons the chat and Compare pages both offer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def export_buttons(
    row: Any, stem: str, markdown: Callable[[], str], json: Callable[[], str], key: str
) -> None:
    """Two download buttons in `row` (a container or column), `stem`.md and `stem`.json.

    Each file is made when its button is clicked, not on every rerun: a long conversation or many runs
    make long files. No rerun on click: it would renew the other button's file while a person reaches
    for it.
    """
    row.download_button(
        "Download Markdown",
        markdown,
        f"{stem}.md",
        "text/markdown",
        key=f"{key}_md",
        on_click="ignore",
        icon=":material/download:",
    )
    row.download_button(
        "Download JSON",
        json,
        f"{stem}.json",
        "application/json",
        key=f"{key}_json",
        on_click="ignore",
        icon=":material/data_object:",
    )
