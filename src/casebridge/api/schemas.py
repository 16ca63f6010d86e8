"""Request and response shapes of the parties' API (``<Entity>In`` / ``<Entity>Out``)."""

import datetime as dt

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from casebridge.parties.choices import (
    AutoAssignment,
    OrganisationKind,
    Role,
    Scenario,
    SubmitterState,
    SupportLevel,
)
from casebridge.parties.models import (
    AuthorisedSubmitter,
    CustomerRelationship,
    Organisation,
    Person,
)


class InSchema(Schema):
    """A request body: a field it does not name is refused (422 naming the field), never
    silently dropped, so a typo or a field meant for another operation is noticed."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


class OrganisationRefOut(Schema):
    id: int
    name: str
    kind: OrganisationKind


class RelationshipOut(Schema):
    customer: OrganisationRefOut
    partner: OrganisationRefOut | None
    operating_model: str = Field(..., description="The operating model's code, e.g. model_1.")
    scenario: Scenario
    support_plan: str = Field(..., description="The support plan's code, e.g. premium_plus.")
    time_zone: str
    country: str

    @staticmethod
    def resolve_operating_model(relationship: CustomerRelationship) -> str:
        return relationship.operating_model_id

    @staticmethod
    def resolve_support_plan(relationship: CustomerRelationship) -> str:
        return relationship.support_plan_id


class RelationshipIn(InSchema):
    partner_id: int | None = None
    operating_model: str = Field(..., max_length=40, description="An operating model's code.")
    scenario: Scenario
    support_plan: str = Field(..., max_length=40, description="A support plan's code.")
    time_zone: str = "UTC"
    country: str = Field(..., min_length=2, max_length=2)


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    kind: OrganisationKind
    helpdesk_email: str
    helpdesk_phone: str
    is_active: bool
    auto_assignment: AutoAssignment
    relationship: RelationshipOut | None = None

    @staticmethod
    def resolve_relationship(organisation: Organisation) -> object | None:
        if organisation.kind != OrganisationKind.CUSTOMER:
            return None
        return getattr(organisation, "relationship", None)


class OrganisationIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: OrganisationKind
    helpdesk_email: str = ""
    helpdesk_phone: str = ""


class OrganisationPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    helpdesk_email: str | None = None
    helpdesk_phone: str | None = None
    is_active: bool | None = None
    auto_assignment: AutoAssignment | None = Field(
        None,
        description="A desk's new cases: off, round_robin (in turn) or least_loaded (to whoever "
        "has the fewest open cases); its managers and administrators set it.",
    )


class LevelCountOut(Schema):
    level: SupportLevel
    required: int
    holders: int
    met: bool


class QualificationOut(Schema):
    partner_id: int
    on: dt.date
    qualified: bool
    levels: list[LevelCountOut]
    reasons: list[str]


class PersonOut(Schema):
    id: int
    email: str
    full_name: str
    organisation: OrganisationRefOut
    roles: list[Role]
    phone: str
    support_level: SupportLevel | None
    is_active: bool

    @staticmethod
    def resolve_roles(person: Person) -> list[str]:
        return sorted(person.role_codes)

    @staticmethod
    def resolve_support_level(person: Person) -> str | None:
        return person.support_level or None


class PersonIn(InSchema):
    organisation_id: int
    email: str = Field(..., max_length=254)
    full_name: str = Field(..., min_length=1, max_length=200)
    roles: list[Role] = Field(default_factory=list)
    phone: str = ""
    support_level: SupportLevel | None = None


class PersonPatch(InSchema):
    full_name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = None
    support_level: SupportLevel | None = None
    roles: list[Role] | None = None
    is_active: bool | None = None


class PersonRefOut(Schema):
    id: int
    full_name: str
    email: str
    organisation_id: int


class CertificationOut(Schema):
    id: int
    person: PersonRefOut
    level: SupportLevel
    issued_on: dt.date
    expires_on: dt.date
    reference: str


class CertificationIn(InSchema):
    person_id: int
    level: SupportLevel
    issued_on: dt.date
    expires_on: dt.date
    reference: str = Field("", max_length=100)


class TrainingOut(Schema):
    id: int
    person: PersonRefOut
    partner_id: int
    level: SupportLevel
    held_on: dt.date
    included_in_fee: bool


class TrainingIn(InSchema):
    person_id: int
    level: SupportLevel
    held_on: dt.date


class SubmitterOut(Schema):
    id: int
    person: PersonRefOut
    email: str
    phone: str
    verified_at: dt.datetime | None
    active: bool
    state: SubmitterState
    deactivated_reason: str

    @staticmethod
    def resolve_state(submitter: AuthorisedSubmitter) -> str:
        if not submitter.active:
            return SubmitterState.REVOKED
        if submitter.verified_at is None:
            return SubmitterState.PENDING_VERIFICATION
        return SubmitterState.AUTHORISED


class SubmitterIn(InSchema):
    person_id: int
    phone: str = Field(..., min_length=1, max_length=40)
    email: str | None = Field(None, max_length=254)


class SubmitterDeactivateIn(InSchema):
    reason: str = Field(..., min_length=1, max_length=300)


class OpenCaseRefOut(Schema):
    id: int
    number: str
    title: str


class CallerOut(Schema):
    phone: str
    state: SubmitterState
    person: PersonRefOut | None
    organisation: OrganisationRefOut | None
    submitter_id: int | None
    open_p1_cases: list[OpenCaseRefOut] = Field(default_factory=list)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str] = Field(..., description="Of read, write, exchange.")
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    minted_by_id: int | None = Field(
        None, description="The token that issued this one (revoking it revokes this one)."
    )


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The secret token; shown only in this answer.")


class TokenIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    scopes: list[str] = Field(
        default_factory=lambda: ["read"],
        max_length=10,
        description="Of read (GET), write (other methods), exchange (/exchange); default read. "
        "A token issuing a token gives at most its own.",
    )
    expires_at: dt.datetime | None = Field(
        None,
        description="Default CASEBRIDGE_API_TOKEN_DAYS from now; at most "
        "CASEBRIDGE_API_TOKEN_MAX_DAYS, and never later than the issuing token's.",
    )

    @field_validator("expires_at")
    @classmethod
    def aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("Give a time zone, e.g. 2027-01-01T00:00:00Z.")
        return value
