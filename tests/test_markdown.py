"""The one Markdown path, cell by cell: what the page draws and what the exports carry.

What Streamlit then makes of each output is checked in Chromium (tests/browser/test_safe_markdown.py).
"""

from __future__ import annotations

import pytest

from llm.markdown import for_export, for_page, plain

FENCE = "```python\nprice = $5 + :red[x] + \\( y \\) ![i](http://h/i.png) <b>\n```"

# (case, written, for the page, for an export)
CELLS = [
    ("inline math \\( \\)", r"so \( x^2 \) holds", "so $x^2$ holds", r"so \( x^2 \) holds"),
    ("display math \\[ \\]", r"\[ \int_0^1 x\,dx \]", "$$\n\\int_0^1 x\\,dx\n$$", r"\[ \int_0^1 x\,dx \]"),
    ("display math in a sentence", r"so \[ a=b \] holds", "so $$ a=b $$ holds", r"so \[ a=b \] holds"),
    (
        "display math on lines of its own",
        "see\n\\[\n\\frac{1}{2}\n\\]\nend",
        "see\n$$\n\\frac{1}{2}\n$$\nend",
        "see\n\\[\n\\frac{1}{2}\n\\]\nend",
    ),
    ("$…$ stays math", "area $\\pi r^2$ here", "area $\\pi r^2$ here", "area $\\pi r^2$ here"),
    ("$$…$$ stays math", "$$\nE = mc^2\n$$", "$$\nE = mc^2\n$$", "$$\nE = mc^2\n$$"),
    (
        "dollar amounts beside math",
        "a price of $5 and $10, and $x^2$",
        "a price of \\$5 and \\$10, and $x^2$",
        "a price of $5 and $10, and $x^2$",
    ),
    ("a range of prices", "between $5-$10 today", "between \\$5-\\$10 today", "between $5-$10 today"),
    ("a lone dollar", "costs $ 5", "costs \\$ 5", "costs $ 5"),
    ("an escaped dollar", "costs \\$5", "costs \\$5", "costs \\$5"),
    ("inline code untouched", "run `echo $HOME :red[x] \\(a\\)`", "run `echo $HOME :red[x] \\(a\\)`", None),
    ("double-backtick code", "``a ` $b``", "``a ` $b``", None),
    ("fenced code untouched", FENCE, FENCE, FENCE),
    ("tilde fence untouched", "~~~\n$5 <i>\n~~~", "~~~\n$5 <i>\n~~~", "~~~\n$5 <i>\n~~~"),
    ("text after a fence", FENCE + "\nthen $5", FENCE + "\nthen \\$5", FENCE + "\nthen $5"),
    ("colour directive", "a :red[warning] b", "a \\:red[warning] b", "a :red[warning] b"),
    ("rainbow directive", ":rainbow[wow]", "\\:rainbow[wow]", ":rainbow[wow]"),
    ("background directive", ":blue-background[x]", "\\:blue-background[x]", ":blue-background[x]"),
    ("material icon", "x :material/warning: y", "x \\:material\\/warning: y", "x :material/warning: y"),
    ("Streamlit logo", "by :streamlit:", "by \\:\u2060streamlit:", "by :streamlit:"),
    ("times and URLs keep their colons", "at 10:30 see http://a.b/c", "at 10:30 see http://a.b/c", None),
    (
        "raw HTML as text",
        "<b>hi</b> <script>x()</script>",
        "&lt;b>hi&lt;/b> &lt;script>x()&lt;/script>",
        "&lt;b>hi&lt;/b> &lt;script>x()&lt;/script>",
    ),
    ("HTML comment as text", "<!-- x -->", "&lt;!-- x -->", "&lt;!-- x -->"),
    ("an autolink stays a link", "<https://x.org/a>", "<https://x.org/a>", "<https://x.org/a>"),
    ("a comparison stays text", "if a < b", "if a < b", "if a < b"),
    (
        "image becomes a link",
        "![a chart](http://h/c.png?d=1)",
        "[a chart](http://h/c.png?d=1)",
        "[a chart](http://h/c.png?d=1)",
    ),
    ("image without alt text", "![](http://h/c.png)", "[image](http://h/c.png)", "[image](http://h/c.png)"),
    (
        "reference image",
        "![logo][1]\n\n[1]: http://h/l.png",
        "[logo][1]\n\n[1]: http://h/l.png",
        "[logo][1]\n\n[1]: http://h/l.png",
    ),
    (
        "image in a link",
        "[![x](http://h/i.png)](http://h)",
        "[[x](http://h/i.png)](http://h)",
        "[[x](http://h/i.png)](http://h)",
    ),
    ("a plain link stays", "[docs](https://x.org)", "[docs](https://x.org)", "[docs](https://x.org)"),
    ("math keeps its < and $", "$a<b$ and \\( c<d \\)", "$a<b$ and $c<d$", "$a<b$ and \\( c<d \\)"),
    # While streaming: half-written text renders as well as it can, and never swallows what follows.
    ("open fence mid-stream", "x\n```py\nprice = $5", "x\n```py\nprice = $5", "x\n```py\nprice = $5"),
    ("open \\( mid-stream", "so \\( x^2", "so \\( x^2", "so \\( x^2"),
    ("open \\[ mid-stream", "so \\[ x^2", "so \\[ x^2", "so \\[ x^2"),
    ("open $$ mid-stream", "so $$ x^2", "so \\$\\$ x^2", "so $$ x^2"),
    ("open code span mid-stream", "so `x $5", "so `x \\$5", "so `x $5"),
    ("open image mid-stream", "see ![a ch", "see ![a ch", "see ![a ch"),
    ("\\( does not cross a blank line", "a \\( b\n\nc \\) d", "a \\( b\n\nc \\) d", "a \\( b\n\nc \\) d"),
    ("code span does not cross a blank line", "a `b\n\nc` $d", "a `b\n\nc` \\$d", None),
]


@pytest.mark.parametrize(("written", "page", "export"), [c[1:] for c in CELLS], ids=[c[0] for c in CELLS])
def test_each_cell(written: str, page: str, export: str | None) -> None:
    assert for_page(written) == page
    assert for_export(written) == (written if export is None else export)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Fix *the* [bug](x)", "Fix \\*the\\* \\[bug\\]\\(x\\)"),
        ("llama3.2:1b", "llama3\\.2\\:1b"),
        ("![x](http://h/i.png)", "\\!\\[x\\]\\(http\\:\\/\\/h\\/i\\.png\\)"),
        (":red[x] $5 <b>", "\\:red\\[x\\] \\$5 \\<b\\>"),
        ("a :material/x: :streamlit:", "a \\:material\\/x\\: \\:\u2060streamlit\\:"),
        ("two\nlines  spaced", "two lines spaced"),
    ],
)
def test_plain_is_drawn_as_itself(written: str, shown: str) -> None:
    assert plain(written) == shown


def test_every_prefix_of_a_streaming_answer_is_rewritten() -> None:
    """Streaming draws each prefix: none may raise, and the finished text's math is whole."""
    answer = "Cost $5.\n\n```py\nx = 1\n```\nso \\( x^2 \\) and\n\\[\n\\int_0^1 x\\,dx\n\\]\n![p](http://h/p)"
    for end in range(len(answer) + 1):
        for_page(answer[:end])
    assert for_page(answer).endswith("so $x^2$ and\n$$\n\\int_0^1 x\\,dx\n$$\n[p](http://h/p)")
