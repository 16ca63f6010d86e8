"""The one way a case is written.

Every change to a case — opening it, a step of the workflow, a message, a file, a phone call, an
assignment, its details, its priority or its cause — is a block inside :func:`case_write` (or
:func:`case_write_new` for a case that does not exist yet). The block decides and validates; the
write does the rest, each part once, in one transaction, in this order:

1. **lock** the case row and check the caller's ``expected_revision``: a stale read is refused
   before anything is decided (a new case needs neither);
2. **the change**, through the :class:`CaseWrite` the block is handed: ``engagement`` reads the
   case's engagements once (locked behind the case row), ``move`` puts one in a state,
   ``open_engagement`` adds one, ``give`` assigns one, ``change`` sets fields of the case row;
3. **events**: ``record`` appends each line of the case's history as it happens;
4. on leaving the block, if anything was recorded, the **revision** goes up once, saved with the
   case's changed fields and the **clocks and queue keys** (``clocks_refresh``: the clocks
   recomputed from the history, each side's status and next due time copied onto the case row)
   in one update of the case row; a write the clocks do not read (``clocks=False``) saves the
   fields and the revision alone;
5. **outbox**: the events ``emit`` queued are recorded last, so their payloads can carry the
   revision the write ended at (:data:`NEW_REVISION`).

A block that records nothing changes nothing: no revision, no clocks, no outbox. An exception
anywhere rolls the whole write back. Nothing else writes ``Case``, ``Engagement`` or
``CaseClock`` rows (``tests/cases/test_write_path.py`` checks the source); the clock rows are
written by ``clocks_refresh``, which this module calls, and by the SLA sweep.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from casebridge.cases import workflow
from casebridge.cases.choices import Audience
from casebridge.cases.models import Case, CaseEvent, CaseSequence, Engagement
from casebridge.cases.services._common import StaleRevision
from casebridge.cases.services.clocks import clocks_refresh
from casebridge.core import clock
from casebridge.core.outbox import outbox_record
from casebridge.parties.models import Person

#: Stands, in an emitted payload, for the revision the write ends at.
NEW_REVISION = object()


@dataclass
class _Outgoing:
    kind: str
    payload: Mapping[str, Any]
    keyed_by_revision: bool


@dataclass
class CaseWrite:
    """One write to one case, handed to the block of :func:`case_write`."""

    case: Case
    actor: Person | None
    clocks: bool = True
    new: bool = False
    _engagements: dict[str, Engagement] | None = None
    _changes: dict[str, Any] = field(default_factory=dict)
    _recorded: int = 0
    _outgoing: list[_Outgoing] = field(default_factory=list)

    # --- Reading ---

    def engagement(self, kind: str) -> Engagement | None:
        """The case's ``kind`` engagement, locked; both are read in one query, once per write."""
        return self._held().get(kind)

    def _held(self) -> dict[str, Engagement]:
        if self._engagements is None:
            self._engagements = (
                {}
                if self.new
                else {
                    side.kind: side
                    for side in Engagement.objects.select_for_update().filter(case=self.case)
                }
            )
        return self._engagements

    # --- Changing ---

    def change(self, **fields: Any) -> None:
        """Set fields of the case row (they are saved with the revision when the block ends)."""
        for name, value in fields.items():
            setattr(self.case, name, value)
        self._changes.update(fields)

    def move(self, engagement: Engagement, target: str) -> str:
        """Put ``engagement`` in ``target`` (closed when that is final, open again otherwise);
        returns the state it was in. The history line is the caller's to record."""
        before = engagement.status
        moment = clock.now()
        engagement.status = target
        engagement.status_changed_at = moment
        if target in workflow.FINAL[engagement.kind]:
            engagement.closed_at = moment
        elif engagement.closed_at is not None:
            engagement.closed_at = None
        engagement.save(update_fields=["status", "status_changed_at", "closed_at", "updated_at"])
        return before

    def open_engagement(self, kind: str, *, tier: str) -> Engagement:
        """Add the case's ``kind`` engagement, in the state the table opens it at."""
        held = self._held()
        moment = clock.now()
        engagement = Engagement.objects.create(
            case=self.case,
            kind=kind,
            status=workflow.OPENS_AT[kind],
            tier=tier,
            opened_at=moment,
            status_changed_at=moment,
        )
        held[kind] = engagement
        return engagement

    def give(self, engagement: Engagement, assignee: Person | None) -> None:
        """Make ``assignee`` (or nobody) the person working ``engagement``."""
        engagement.assignee = assignee
        engagement.save(update_fields=["assignee", "updated_at"])

    # --- Telling ---

    def record(
        self,
        kind: str,
        *,
        engagement: str = "",
        audience: str = Audience.PUBLIC,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        by_system: bool = False,
    ) -> CaseEvent:
        """Append a line to the case's history (the timeline, and what the clocks read); by the
        write's actor, or by the system (``by_system``: an automatic rule's doing)."""
        self._recorded += 1
        actor = None if by_system else self.actor
        return CaseEvent.objects.create(
            case=self.case,
            occurred_at=clock.now(),
            actor=actor,
            actor_label="system" if actor is None else actor.email,
            kind=kind,
            engagement=engagement,
            audience=audience,
            before=dict(before or {}),
            after=dict(after or {}),
        )

    def emit(
        self, kind: str, payload: Mapping[str, Any], *, keyed_by_revision: bool = False
    ) -> None:
        """Queue an outbox event, recorded when the write ends; ``keyed_by_revision`` gives it
        the key ``<kind>:<case>:<revision>`` (a receiver must never act on it twice)."""
        self._outgoing.append(_Outgoing(kind, payload, keyed_by_revision))

    # --- Ending ---

    def _finish(self) -> None:
        case = self.case
        if not self._recorded and not self._changes and not self.new:
            return
        held = list((self._engagements or {}).values())
        if self.clocks:
            # A new case starts at its first revision unless the write changed it further.
            bump = None if self.new and not self._changes else dict(self._changes)
            clocks_refresh(case, engagements=held, bump=bump)
        else:
            case.revision += 1
            case.save(update_fields=[*self._changes, "revision", "updated_at"])
        for outgoing in self._outgoing:
            payload = {
                name: case.revision if value is NEW_REVISION else value
                for name, value in outgoing.payload.items()
            }
            key = (
                f"{outgoing.kind}:{case.pk}:{case.revision}" if outgoing.keyed_by_revision else None
            )
            outbox_record(kind=outgoing.kind, payload=payload, dedup_key=key)


def _locked(case: Case, expected_revision: int | None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "partner", "matrix_version")
        .get(pk=case.pk)
    )
    if expected_revision is not None and locked.revision != expected_revision:
        raise StaleRevision(
            f"{locked.number} changed since you read it (revision {locked.revision}, you had "
            f"{expected_revision}). Reload and try again.",
            fields={"revision": f"Current revision is {locked.revision}."},
        )
    return locked


@contextmanager
def case_write(
    case: Case,
    *,
    actor: Person | None,
    expected_revision: int | None,
    clocks: bool = True,
) -> Iterator[CaseWrite]:
    """Write to an existing case: locked and revision-checked on entry, saved on exit.

    ``clocks=False`` for writes the clocks do not read (details, files, phone calls, cause):
    the revision goes up without recomputing them."""
    with transaction.atomic():
        write = CaseWrite(_locked(case, expected_revision), actor, clocks=clocks)
        yield write
        write._finish()


def _next_number(year: int) -> str:
    """``CB-2026-000123``: a per-year counter under a row lock, so parallel opens never clash."""
    sequence = CaseSequence.objects.select_for_update().filter(year=year).first()
    if sequence is None:  # the year's first case
        CaseSequence.objects.get_or_create(year=year)
        sequence = CaseSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"CB-{year}-{sequence.last:06d}"


@contextmanager
def case_write_new(*, actor: Person, **fields: Any) -> Iterator[CaseWrite]:
    """Write a new case: numbered and inserted on entry with ``fields`` (at its first
    revision), finished like any other write on exit."""
    with transaction.atomic():
        number = _next_number(clock.now().year)
        write = CaseWrite(Case.objects.create(number=number, **fields), actor, new=True)
        yield write
        write._finish()
