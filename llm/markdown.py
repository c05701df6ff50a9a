"""The one Markdown path for text a model or a person wrote, before it is drawn or exported.

Streamlit's Markdown loads images (`![x](http://host/?data=…)` is fetched at once: a way out for a
prompt-injected model), takes its own directives (`:red[…]`, `:rainbow[…]`, `:material/warning:`) and
reads only `$…$`/`$$…$$` as math, so the `\\( … \\)` and `\\[ … \\]` that reasoning models write lose their
backslashes and "$5 and $10" becomes math. `for_page` rewrites the prose for the page: math delimiters
become dollars, a dollar that opens no math is escaped, directives are shown as written, raw HTML as text,
and each image becomes a link with its alt text. Code blocks, inline code and math are left alone.
`for_export` keeps the writer's Markdown (math as written) but with no live HTML and no images.

It is a pure function of the whole text, cheap enough to run on every page update of a streaming reply:
a half-written reply (an open code fence, a `\\(` with no end yet) renders as well as it can and never
turns the rest of the text into code or math.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Spans left as they are, in the order a reader of Markdown finds them: a fenced code block (to the end
# of the text while it is still open), inline code, then math in each notation.
_SPANS = re.compile(
    r"(?:(?=[`~\\$])|(?<![^\n])(?=[ \t]))"  # only where a span can begin: skips the rest fast
    r"(?:(?P<fence>(?:^|(?<=\n))[ \t]{0,3}(?P<ticks>`{3,}|~{3,})[^\n]*"
    r"(?:\n[\s\S]*?(?:\n[ \t]{0,3}(?P=ticks)[`~]*[ \t]*(?=\n|$)|$)|$))"
    r"|(?P<code>(?<!`)(?P<run>`+)(?!`)(?:(?!\n[ \t]*\n)[\s\S])*?(?<!`)(?P=run)(?!`))"
    r"|(?P<display>(?<!\\)\\\[(?P<display_body>(?:(?!\n[ \t]*\n)[\s\S])+?)(?<!\\)\\\])"
    r"|(?P<inline>(?<!\\)\\\((?P<inline_body>(?:(?!\n[ \t]*\n)[\s\S])+?)(?<!\\)\\\))"
    r"|(?P<dollars>(?<![\\$])\$\$(?P<dollars_body>[\s\S]+?)(?<!\\)\$\$)"
    # Pandoc's rule for $…$: no space inside either dollar, and no digit right after the closing one,
    # so "$5 and $10" is money; no dollar and no blank line inside.
    r"|(?P<dollar>(?<![\\$\w])\$(?=[^\s$])(?P<dollar_body>(?:\\.|[^$\n\\])+?)(?<=[^\s\\])\$(?![\d$])))"
)

# In prose: a dollar; an image's opening `![`; a colon that opens a Streamlit directive or icon
# (`:red[`, `:material/x:`, `:smile:`) but not one in `10:30` or `http://`; the `<` of an HTML tag,
# comment or declaration (an autolink such as `<https://x.org>` stays a link).
_PROSE = re.compile(
    r"(?=[$!:<])"
    r"(?:(?P<money>(?<!\\)\$)"
    r"|(?P<image>(?<!\\)!\[(?P<alt>(?:\\.|[^\]\\\n])*)\])"
    r"|(?P<directive>(?<![:/\\]):(?=[A-Za-z]))"
    r"|(?P<tag><(?=[A-Za-z/!?])(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)))"
)
_MATERIAL = re.compile(r":material/")
# Streamlit swaps `:streamlit:` for its logo in the text itself, after escapes are read: a word joiner
# (U+2060, invisible) keeps it text.
_LOGO = re.compile(r":(?=streamlit\\?:)")


def _code(match: re.Match[str]) -> str:
    return match.group(0)


def _math(match: re.Match[str]) -> str:
    if match.group("display") is not None:
        text, start, end = match.string, match.start(), match.end()
        line_end = text.find("\n", end)
        before = text[text.rfind("\n", 0, start) + 1 : start]
        after = text[end:] if line_end == -1 else text[end:line_end]
        alone = not before.strip() and not after.strip()
        body = match.group("display_body")
        # A `\[ … \]` on lines of its own is a display block (`$$` inline in a sentence is inline math).
        return f"$$\n{body.strip()}\n$$" if alone else f"$${body}$$"
    if match.group("inline") is not None:
        return f"${match.group('inline_body').strip()}$"
    return match.group(0)


def _page_prose(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group("money") is not None:
            return "\\$"
        if match.group("image") is not None:
            return f"[{match.group('alt') or 'image'}]"
        if match.group("directive") is not None:
            return "\\:"
        return "&lt;"

    # Streamlit rewrites `:material/` in the raw source before reading it: keep the slash escaped.
    return _LOGO.sub(":\u2060", _MATERIAL.sub(":material\\/", _PROSE.sub(one, text)))


def _export_prose(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group("image") is not None:
            return f"[{match.group('alt') or 'image'}]"
        if match.group("tag") is not None:
            return "&lt;"
        return match.group(0)

    return _PROSE.sub(one, text)


def _rewrite(text: str, prose: Callable[[str], str], math: Callable[[re.Match[str]], str]) -> str:
    out: list[str] = []
    end = 0
    for match in _SPANS.finditer(text):
        out.append(prose(text[end : match.start()]))
        out.append(_code(match) if match.group("fence") or match.group("code") else math(match))
        end = match.end()
    out.append(prose(text[end:]))
    return "".join(out)


def for_page(text: str) -> str:
    """Markdown Streamlit draws as the writer meant it, with nothing fetched and no directive obeyed."""
    return _rewrite(text, _page_prose, _math)


def for_export(text: str) -> str:
    """The writer's Markdown, math as written, with HTML as text and images as links."""
    return _rewrite(text, _export_prose, _code)


_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|:~$/])")


def plain(text: str) -> str:
    """One line drawn as itself where Streamlit reads Markdown: a title, a model name, a label."""
    return _LOGO.sub(":\u2060", _SPECIAL.sub(r"\\\1", " ".join(text.split())))
