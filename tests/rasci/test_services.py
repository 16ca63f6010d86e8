import pytest

from casebridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from casebridge.core.models import OutboxEvent
from casebridge.parties.models import OperatingModel
from casebridge.rasci import policy, selectors, services
from casebridge.rasci.choices import VersionStatus
from casebridge.rasci.exports import render_csv
from casebridge.rasci.models import Activity, Assignment, MatrixVersion


@pytest.fixture
def model_1(matrices):
    return OperatingModel.objects.get(code="model_1")


@pytest.fixture
def draft(world, model_1):
    return services.draft_create(actor=world.vendor_admin, operating_model=model_1)


def test_a_draft_copies_the_published_version(world, draft):
    published = selectors.published_version("model_1")

    assert draft.number == 2
    assert draft.status == VersionStatus.DRAFT
    assert selectors.version_rows(draft) == selectors.version_rows(published)


def test_one_draft_at_a_time(world, draft, model_1):
    with pytest.raises(Conflict, match="already a draft"):
        services.draft_create(actor=world.vendor_admin, operating_model=model_1)


@pytest.mark.parametrize(
    "actor_name", ["vendor_engineer", "partner_a_manager", "customer_direct_admin"]
)
def test_only_vendor_managers_edit_matrices(world, model_1, actor_name):
    with pytest.raises(PermissionDenied):
        services.draft_create(actor=getattr(world, actor_name), operating_model=model_1)

    assert MatrixVersion.objects.filter(status=VersionStatus.DRAFT).count() == 0


def test_publishing_retires_the_previous_version_and_records_an_event(world, draft):
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.submit",
        party="customer",
        letters="I",
    )

    services.version_publish(actor=world.vendor_admin, version=draft)

    versions = {v.number: v.status for v in MatrixVersion.objects.filter(operating_model="model_1")}
    assert versions == {1: "retired", 2: "published"}
    assert OutboxEvent.objects.filter(kind="rasci.version_published").count() == 1


def test_publishing_an_invalid_draft_lists_every_violation(world, draft):
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.submit",
        party="vendor",
        letters="A",
    )
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.assist",
        party="partner",
        letters="S",
    )

    with pytest.raises(ValidationFailed) as error:
        services.version_publish(actor=world.vendor_admin, version=draft)

    assert error.value.code == "matrix_invalid"
    assert error.value.fields == {
        "case.submit": ["vendor and partner are both accountable (A); exactly one may be"],
        "case.assist": [
            "no party is accountable (A); exactly one must be",
            "no party is responsible (R); at least one must be",
        ],
    }
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert selectors.published_version("model_1").number == 1


def test_a_published_version_never_changes(world, matrices):
    published = selectors.published_version("model_1")
    before = selectors.version_rows(published)

    with pytest.raises(ValidationFailed, match="published versions never change"):
        services.draft_set_letters(
            actor=world.vendor_admin,
            version=published,
            activity_code="case.submit",
            party="vendor",
            letters="R",
        )
    with pytest.raises(ValidationFailed):
        services.draft_remove_activity(
            actor=world.vendor_admin, version=published, code="case.submit"
        )

    assert selectors.version_rows(published) == before


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        pytest.param(
            {"activity_code": "case.teleport", "party": "vendor", "letters": "R"},
            "activity",
            id="unknown-activity",
        ),
        pytest.param(
            {"activity_code": "case.submit", "party": "reseller", "letters": "R"},
            "party",
            id="unknown-party",
        ),
        pytest.param(
            {"activity_code": "case.submit", "party": "vendor", "letters": "Q"},
            "letters",
            id="unknown-letter",
        ),
    ],
)
def test_bad_cells_are_refused_per_field(world, draft, cell, field):
    with pytest.raises(ValidationFailed) as error:
        services.draft_set_letters(actor=world.vendor_admin, version=draft, **cell)

    assert field in error.value.fields


def test_model_2_has_no_partner_column(world, matrices):
    draft = services.draft_create(
        actor=world.vendor_admin, operating_model=OperatingModel.objects.get(code="model_2")
    )

    with pytest.raises(ValidationFailed) as error:
        services.draft_set_letters(
            actor=world.vendor_admin,
            version=draft,
            activity_code="case.submit",
            party="partner",
            letters="S",
        )

    assert error.value.fields == {"party": ["'partner' is not a party of model_2."]}


def test_activities_are_added_and_removed_in_a_draft(world, draft):
    services.draft_add_activity(
        actor=world.vendor_admin,
        version=draft,
        code="case.remote_session",
        name="Open a remote session",
        roles=["engineer"],
        letters={"vendor": "R", "partner": "A", "customer": "S"},
    )
    services.draft_remove_activity(actor=world.vendor_admin, version=draft, code="docs.provide")

    change = selectors.matrix_diff(selectors.published_version("model_1"), draft)
    assert change.added == ("case.remote_session",)
    assert change.removed == ("docs.provide",)


def test_diff_names_changed_letters(world, draft):
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.submit",
        party="customer",
        letters="I",
    )

    change = selectors.matrix_diff(selectors.published_version("model_1"), draft)

    assert [(c.activity, c.party, c.before, c.after) for c in change.letters] == [
        ("case.submit", "customer", "C", "I")
    ]
    assert change.added == change.removed == ()


# --- Pinning ---


def test_a_pinned_customer_keeps_its_version_after_a_new_one_is_published(world, draft):
    first = selectors.published_version("model_1")
    services.relationship_pin(
        actor=world.vendor_admin, customer=world.customer_a, version=first, reason="Contract 2026"
    )
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.submit",
        party="customer",
        letters="I",
    )
    services.version_publish(actor=world.vendor_admin, version=draft)

    pinned = selectors.matrix_for(world.customer_a)
    following = selectors.matrix_for(world.partner_b.customer_relationships.get().customer)

    assert (pinned.version, pinned.pinned) == (first, True)
    assert following.version == draft
    assert policy.to_consult("case.submit", world.customer_a)[0].party == "customer"
    assert policy.to_consult("case.submit", world.customer_b) == []


def test_a_decision_for_an_open_case_uses_the_version_it_opened_under(world, draft):
    opened_under = selectors.matrix_for(world.customer_a).version
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.assist",
        party="customer",
        letters="R",
    )
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.assist",
        party="partner",
        letters="A",
    )
    services.version_publish(actor=world.vendor_admin, version=draft)

    now = policy.decide(world.customer_a_contact, "case.assist", world.customer_a)
    then = policy.decide(
        world.customer_a_contact, "case.assist", world.customer_a, version=opened_under
    )

    assert now.allowed
    assert now.version_label == "model_1 v2"
    assert not then.allowed
    assert then.version_label == "model_1 v1"


def test_pins_must_match_the_model_and_not_be_drafts(world, draft):
    model_2 = selectors.published_version("model_2")

    with pytest.raises(ValidationFailed) as wrong_model:
        services.relationship_pin(
            actor=world.vendor_admin, customer=world.customer_a, version=model_2, reason="x"
        )
    with pytest.raises(ValidationFailed) as a_draft:
        services.relationship_pin(
            actor=world.vendor_admin, customer=world.customer_a, version=draft, reason="x"
        )

    assert "version" in wrong_model.value.fields
    assert a_draft.value.fields == {"version": ["A draft cannot be pinned; publish it first."]}


# --- CSV import ---


def exported(model="model_1"):
    version = selectors.published_version(model)
    return render_csv(model, version.operating_model.parties, selectors.version_rows(version))


def test_an_exported_matrix_imports_as_an_identical_draft(world, matrices):
    (draft,) = services.matrices_import(actor=world.vendor_admin, text=exported())

    assert draft.status == VersionStatus.DRAFT
    assert selectors.matrix_diff(selectors.published_version("model_1"), draft).is_empty


def test_import_and_publish_in_one_step(world, matrices):
    text = exported().replace(
        "case.submit,case,engineer;manager;admin,", "case.submit,case,engineer,"
    )

    versions = services.matrices_import(actor=world.vendor_admin, text=text, publish=True)

    assert [v.label for v in versions] == ["model_1 v2"]
    assert selectors.published_version("model_1").number == 2


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        pytest.param(
            lambda t: t.replace("customer's behalf,,I,A/R,C", "customer's behalf,,A,A/R,C"),
            "row 16, column vendor/partner/customer: vendor and partner are both accountable (A); "
            "exactly one may be",
            id="second-A",
        ),
        pytest.param(
            lambda t: t.replace("Level 1 Basic helpdesk,,I,A/R,S", "Level 1 Basic helpdesk,,I,A,S"),
            "row 10, column vendor/partner/customer: no party is responsible (R); "
            "at least one must be",
            id="missing-R",
        ),
        pytest.param(
            lambda t: t.replace(
                "Level 1 Basic helpdesk,,I,A/R,S", "Level 1 Basic helpdesk,,I,A/R,Z"
            ),
            "row 10, column customer: unknown letter Z (use R, A, S, C, I or A/R)",
            id="unknown-letter",
        ),
        pytest.param(
            lambda t: t.replace("model_1,support.l1,", "model_9,support.l1,"),
            "row 10, column model: unknown operating model 'model_9'",
            id="unknown-model",
        ),
        pytest.param(
            lambda t: t.replace("model,code,", "model,kode,"),
            "header, column code: this column is missing",
            id="missing-column",
        ),
        pytest.param(
            lambda t: t.replace("support.l1,support,agent,", "support.l1,support,wizard,"),
            "row 10, column roles: unknown role 'wizard' "
            "(agent, engineer, manager, admin, customer_contact)",
            id="unknown-role",
        ),
    ],
)
def test_a_bad_file_names_the_row_and_column_and_writes_nothing(world, matrices, edit, problem):
    versions = MatrixVersion.objects.count()
    activities = Activity.objects.count()
    assignments = Assignment.objects.count()

    with pytest.raises(ValidationFailed) as error:
        services.matrices_import(actor=world.vendor_admin, text=edit(exported()))

    assert problem in error.value.fields["file"]
    assert (
        MatrixVersion.objects.count(),
        Activity.objects.count(),
        Assignment.objects.count(),
    ) == (
        versions,
        activities,
        assignments,
    )


def test_an_empty_file_is_refused(world, matrices):
    with pytest.raises(ValidationFailed) as error:
        services.matrices_import(actor=world.vendor_admin, text="")

    assert error.value.fields == {"file": ["header, column -: the file is empty"]}
