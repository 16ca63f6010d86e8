"""What an uploaded file really is: its content is sniffed, and the name must agree.

Allowed: images (PNG, JPEG, GIF), PDF, ZIP-based archives and office files, gzip, and plain
UTF-8 text (logs, HAR and JSON exports, CSV, XML configuration). Refused: anything else,
including executables and HTML or SVG, which a browser could run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

SNIFF_BYTES = 8192

#: family -> (content type served, extensions allowed)
FAMILIES: dict[str, tuple[str, frozenset[str]]] = {
    "png": ("image/png", frozenset({".png"})),
    "jpeg": ("image/jpeg", frozenset({".jpg", ".jpeg"})),
    "gif": ("image/gif", frozenset({".gif"})),
    "pdf": ("application/pdf", frozenset({".pdf"})),
    "zip": ("application/zip", frozenset({".zip", ".docx", ".xlsx", ".pptx"})),
    "gzip": ("application/gzip", frozenset({".gz", ".tgz"})),
    "text": (
        "text/plain; charset=utf-8",
        frozenset(
            {".txt", ".log", ".har", ".json", ".csv", ".xml", ".md", ".cfg", ".conf", ".ini"}
        ),
    ),
}
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
)


@dataclass(frozen=True)
class Sniffed:
    family: str | None
    content_type: str
    problem: str

    @property
    def allowed(self) -> bool:
        return not self.problem


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sniffing boundary is still text.
        return error.start >= len(head) - 3
    return True


def sniff(name: str, head: bytes) -> Sniffed:
    """Classify the first bytes of a file and check its name's extension agrees."""
    extension = PurePath(name or "").suffix.lower()
    family = next((fam for magic, fam in MAGIC if head.startswith(magic)), None)
    if family is None and _looks_like_text(head):
        lowered = head.lstrip()[:200].lower()
        if lowered.startswith((b"<!doctype html", b"<html", b"<svg", b"<script")) or extension in {
            ".html",
            ".htm",
            ".svg",
        }:
            return Sniffed(None, "", "HTML and SVG files are not accepted; export them as PDF.")
        family = "text"
    if family is None:
        return Sniffed(
            None,
            "",
            "Not an accepted type (images, PDF, ZIP/office files, gzip, or UTF-8 text logs).",
        )
    content_type, extensions = FAMILIES[family]
    if extension not in extensions:
        return Sniffed(
            family,
            content_type,
            f"The content is {family}, but the name ends in {extension or 'nothing'}; "
            f"use one of {', '.join(sorted(extensions))}.",
        )
    return Sniffed(family, content_type, "")
