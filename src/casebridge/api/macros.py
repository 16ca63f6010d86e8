"""Macros: canned replies for the composer — one's own, the desk's and the vendor's — and a
macro rendered for one case."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.cases import macros, selectors
from casebridge.cases.models import Macro
from casebridge.parties.models import Person

router = Router(tags=["cases"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class MacroOut(Schema):
    id: int
    name: str
    body: str = Field(..., description="Markdown with placeholders, as written.")
    scope: str = Field(..., description="personal, desk or vendor.")
    audience: str = Field(..., description="The audience it sets ('' keeps the composer's).")
    action: str = Field(..., description="The workflow step applied after sending ('' none).")
    mine: bool = Field(..., description="The caller may change and remove it.")

    @staticmethod
    def resolve_mine(macro: Macro, context: dict[str, Any]) -> bool:
        return macros.may_change(context["request"].auth, macro)


class MacroIn(InSchema):
    name: str = Field(..., max_length=200, examples=["Waiting for logs"])
    body: str = Field(
        ...,
        max_length=60_000,
        description="Markdown; placeholders: "
        + ", ".join("{{ " + name + " }}" for name in macros.PLACEHOLDERS)
        + ". Any other is a 422.",
        examples=["Hello {{ customer.name }}, could you send the logs for {{ case.number }}?"],
    )
    scope: str = Field(
        "personal", description="personal; desk (its managers); vendor (the vendor's managers)."
    )
    audience: str = Field("", max_length=40)
    action: str = Field("", max_length=60, description="A step of the workflow table, or ''.")

    def fields(self) -> macros.MacroFields:
        return macros.MacroFields(
            name=self.name,
            body=self.body,
            scope=self.scope,
            audience=self.audience,
            action=self.action,
        )


class MacroRenderedOut(Schema):
    body: str = Field(..., description="The body with this case's values filled in.")
    audience: str = Field(..., description="The audience to set, if the caller may write to it.")
    action: str


@router.get("/macros", response={200: list[MacroOut], **ERRORS})
@paginate(Pages)
def macro_list(request: HttpRequest) -> Any:
    """The caller's macros, their desk's and the vendor's, by name."""
    return macros.macros_for(_actor(request))


@router.post("/macros", response={201: MacroOut, **ERRORS})
def macro_create(request: HttpRequest, payload: MacroIn) -> Any:
    return Status(201, macros.macro_create(actor=_actor(request), fields=payload.fields()))


@router.get("/macros/{macro_id}", response={200: MacroOut, **ERRORS})
def macro_get(request: HttpRequest, macro_id: int) -> Any:
    return macros.access_macro(_actor(request), macro_id)


@router.put("/macros/{macro_id}", response={200: MacroOut, **ERRORS})
def macro_update(request: HttpRequest, macro_id: int, payload: MacroIn) -> Any:
    actor = _actor(request)
    macro = macros.access_macro(actor, macro_id)
    return macros.macro_update(actor=actor, macro=macro, fields=payload.fields())


@router.delete("/macros/{macro_id}", response={204: None, **ERRORS})
def macro_delete(request: HttpRequest, macro_id: int) -> Any:
    actor = _actor(request)
    macros.macro_delete(actor=actor, macro=macros.access_macro(actor, macro_id))
    return Status(204, None)


@router.post(
    "/cases/{case_id}/macros/{macro_id}/preview", response={200: MacroRenderedOut, **ERRORS}
)
def macro_preview(request: HttpRequest, case_id: int, macro_id: int) -> Any:
    """The macro as it would fill the composer on this case (nothing is sent)."""
    actor = _actor(request)
    case = selectors.access_case(actor, case_id)
    inserted = macros.macro_insert(
        actor=actor, macro=macros.access_macro(actor, macro_id), case=case
    )
    return {"body": inserted.body, "audience": inserted.audience, "action": inserted.action}
