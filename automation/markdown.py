"""The one place text from a user's files is made safe for Markdown (the PR comment, the preview
report, the plan diff). Whatever a pull request can name — resources, field names, tags, findings,
validate's problems — is printed through these, so that no input can close a block, start a
heading, or bring in a link, an image or HTML: the comment's structure is the renderer's alone.

CommonMark 0.31 (spec.commonmark.org): any ASCII punctuation may be backslash-escaped (§2.4);
a code span ends at a backtick string of the same length as its opener (§6.1); a fenced code
block ends only at a fence at least as long as its opener (§4.5). GFM splits table cells at ``|``
before it reads code spans (github.github.com/gfm §4.10).

``python -m automation.markdown block INFO < FILE`` and ``... code TEXT``: the same for the shell
scripts of the CI (scripts/ci/plan-comment).
"""

from __future__ import annotations

import re
import sys
from typing import Any

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_BACKTICKS = re.compile(r"`+")
_TILDES = re.compile(r"~+")
# Control characters other than tab and newline: shown as escapes, never passed on.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def md_text(text: Any) -> str:
    """Text that Markdown shows as written, on one line: every mark that could start markup is
    backslash-escaped, HTML's ``<``, ``>`` and ``&`` are entities, and line breaks (which would
    start a new block) are spaces. Safe in table cells."""
    text = " ".join(_visible(str(text)).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _PUNCTUATION.sub(r"\\\1", text)


def md_code(text: Any, *, table: bool = False) -> str:
    """A code span showing ``text`` as written: fenced with more backticks than it holds, on one
    line; in a table, ``|`` escaped (GFM splits cells before it reads code spans)."""
    text = " ".join(_visible(str(text)).split())
    if not text:
        return ""
    if table:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(text: str, info: str = "text") -> str:
    """A fenced code block the content cannot close: its fence is longer than any run of
    backticks in it (at least three), and no line of the content can be a closing fence of it."""
    body = _visible(text.replace("\r\n", "\n").replace("\r", "\n")).rstrip("\n")
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    info = re.sub(r"[^A-Za-z0-9_+-]", "", info)
    return f"{fence}{info}\n{body}\n{fence}"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "block":
        sys.stdout.write(md_block(sys.stdin.read(), argv[1]) + "\n")
        return 0
    if len(argv) == 2 and argv[0] == "code":
        sys.stdout.write(md_code(argv[1]) + "\n")
        return 0
    if len(argv) == 2 and argv[0] == "text":
        sys.stdout.write(md_text(argv[1]) + "\n")
        return 0
    sys.stderr.write("usage: python -m automation.markdown block INFO < FILE | code TEXT | text TEXT\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
