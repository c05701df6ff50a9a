"""A comparison as files: JSON (every run's figures and text) and Markdown (for people)."""

from __future__ import annotations

import json

from llm.compare import Comparison
from llm.conversation import quote, reply_markdown
from llm.errors import for_compare
from llm.markdown import for_export


def to_json(comparison: Comparison) -> str:
    return json.dumps(comparison.as_dict(), indent=2, ensure_ascii=False)


def _markdown_table(rows: list[dict[str, str]]) -> list[str]:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(row[h] for h in head) + " |" for row in rows]


def to_markdown(comparison: Comparison) -> str:
    first = comparison.requests[0]
    lines = ["# Comparison", "", "**Prompt:**", "", *quote(for_export(comparison.prompt)), ""]
    shared = [
        f"temperature {first.temperature}",
        f"max tokens {first.max_tokens or 'model default'}",
        f"{len(comparison.runs)} run{'s' if len(comparison.runs) != 1 else ''}",
    ]
    lines += [f"_{' · '.join(shared)}_", ""]
    if first.system.strip():
        lines += ["**System prompt:**", "", *quote(for_export(first.system)), ""]
    if comparison.blind:
        votes = ", ".join(
            f"{for_export(comparison.name(i))}: {comparison.votes[i]}" for i in comparison.order
        )
        lines += [f"**Blind vote:** {votes}", ""]
    if comparison.runs:
        lines += ["## Figures", "", *_markdown_table(comparison.table(named=True)), ""]
    for i in comparison.order:
        lines += [f"## {for_export(comparison.name(i))}", ""]
        replies = comparison.replies(i)
        for n, turn in enumerate(replies, 1):
            if len(replies) > 1:
                lines += [f"### Run {n}", ""]
            lines += reply_markdown(turn, for_compare(turn.error))
    return "\n".join(lines)
