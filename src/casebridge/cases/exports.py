"""Serving an attachment: always as a download with its sniffed type, never sniffed again by
the browser, never rendered inline."""

from __future__ import annotations

from django.http import FileResponse

from casebridge.cases.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
