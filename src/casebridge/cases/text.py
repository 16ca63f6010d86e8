"""Markdown for case messages, rendered to HTML that can hold no script, style or handler."""

from __future__ import annotations

import html
import re

import markdown
import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """Markdown → sanitised HTML: raw HTML in the source is escaped or dropped, links keep only
    http(s) and mailto, and every link gets ``rel="noopener noreferrer"``."""
    html = markdown.markdown(text or "", extensions=["fenced_code", "tables"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


#: Where a block of rendered text ends: the text after it starts on a line of its own.
_BLOCK_END = re.compile(r"</(p|pre|blockquote|li|h[1-4]|tr|table)>|<br\s*/?>|<hr\s*/?>")
_TAG = re.compile(r"<[^>]*>")


def plain_text(rendered: str) -> str:
    """The words of a rendered message without its markup (what search indexes and quotes):
    ``**bold**`` is "bold", entities are characters again, blocks are lines."""
    lines = _TAG.sub("", _BLOCK_END.sub("\n", rendered or ""))
    return "\n".join(line.strip() for line in html.unescape(lines).splitlines() if line.strip())
