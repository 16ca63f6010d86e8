"""Markdown for case messages, rendered to HTML that can hold no script, style or handler."""

from __future__ import annotations

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
