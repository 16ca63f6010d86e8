"""Adding a message to a case inside a write (the conversation's services and the steps that
post words both add them here)."""

from __future__ import annotations

from casebridge.cases import events, search
from casebridge.cases.models import Comment
from casebridge.cases.services.writing import CaseWrite
from casebridge.cases.text import render_markdown
from casebridge.core import clock


def add_comment(write: CaseWrite, audience: str, body: str) -> Comment:
    """Store an already checked message, index it, and record its history line and event."""
    case, actor = write.case, write.actor
    assert actor is not None
    comment = Comment.objects.create(
        case=case,
        author=actor,
        audience=audience,
        body=body,
        body_html=render_markdown(body),
        created_at=clock.now(),
    )
    search.index_comment(comment)
    write.record("commented", audience=audience, after={"comment_id": comment.pk})
    write.emit(
        events.COMMENTED, {"case_id": case.pk, "comment_id": comment.pk, "audience": audience}
    )
    return comment
