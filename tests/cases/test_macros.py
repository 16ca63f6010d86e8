"""Macros: canned replies with placeholders, one's own, the desk's or the vendor's; inserted in
the composer of a case, with an audience and a step to apply after sending."""

import pytest
from django.test import Client

from casebridge.cases import macros
from casebridge.cases.models import Case, CaseEvent, Comment, Macro
from casebridge.core.errors import DomainError, PermissionDenied, ValidationFailed

BODY = "Hello {{ customer.name }}, about {{case.number}} ({{ case.title }}). {{ agent.first_name }}"


def make(actor, name="Reply", body="Thanks.", scope="personal", **fields):
    return macros.macro_create(
        actor=actor, fields=macros.MacroFields(name=name, body=body, scope=scope, **fields)
    )


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def case(open_case) -> Case:
    return open_case()


# --- placeholders ------------------------------------------------------------------------------


def test_placeholders_are_filled_in_for_the_case(desk, case):
    macro = make(desk.partner_a_agent, body=BODY + " of {{ partner.name }}")

    text = macros.macro_render(macro, case=case, actor=desk.partner_a_agent)

    first = desk.partner_a_agent.full_name.split()[0]
    assert text == (
        f"Hello Customer of A, about {case.number} (Callers hear silence). {first} of Partner A"
    )


def test_substitution_is_plain_text_and_runs_once(desk, case):
    Case.objects.filter(pk=case.pk).update(title="{{ customer.name }} {% now 'Y' %}")
    case.refresh_from_db()
    macro = make(desk.partner_a_agent, body="{{ case.title }}")

    assert macros.macro_render(macro, case=case, actor=desk.partner_a_agent) == (
        "{{ customer.name }} {% now 'Y' %}"
    )


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Hi {{ customer.email }}", "{{ customer.email }}"),
        ("{{ customer.name|upper }}", "{{ customer.name|upper }}"),
        ("{{ settings.SECRET_KEY }} and {{ x }}", "{{ settings.SECRET_KEY }}, {{ x }}"),
    ],
    ids=["unknown-field", "template-filter", "two-unknown"],
)
def test_an_unknown_placeholder_is_refused_by_name(desk, body, named):
    with pytest.raises(ValidationFailed) as refused:
        make(desk.partner_a_agent, body=body)

    assert refused.value.fields["body"][0].startswith(f"Unknown placeholder {named}; one of:")
    assert Macro.objects.count() == 0


def test_every_field_problem_is_listed_at_once(desk):
    with pytest.raises(ValidationFailed) as refused:
        make(desk.partner_a_agent, name="", body="", audience="everyone", action="explode")

    assert sorted(refused.value.fields) == ["action", "audience", "body", "name"]


# --- visibility and permissions ----------------------------------------------------------------


def test_a_person_sees_their_own_their_desks_and_the_vendors(desk):
    make(desk.partner_a_agent, name="A agent's own")
    make(desk.partner_a_manager, name="A manager's own")
    make(desk.partner_a_manager, name="A desk", scope="desk")
    make(desk.partner_b_manager, name="B desk", scope="desk")
    make(desk.partner_b_agent, name="B agent's own")
    make(desk.vendor_admin, name="Vendor's", scope="vendor")
    make(desk.vendor_admin, name="Vendor desk", scope="desk")

    def names(person):
        return [m.name for m in macros.macros_for(person)]

    assert names(desk.partner_a_agent) == ["A agent's own", "A desk", "Vendor's"]
    assert names(desk.partner_b_agent) == ["B agent's own", "B desk", "Vendor's"]
    assert names(desk.vendor_engineer) == ["Vendor desk", "Vendor's"]
    assert names(desk.customer_a_contact) == []


def test_another_partners_macro_is_not_found(desk):
    theirs = make(desk.partner_b_manager, name="B desk", scope="desk")

    with pytest.raises(DomainError) as refused:
        macros.access_macro(desk.partner_a_manager, theirs.pk)

    assert refused.value.code == "not_found"


@pytest.mark.parametrize(
    ("role", "scope", "allowed"),
    [
        ("partner_a_agent", "personal", True),
        ("partner_a_agent", "desk", False),
        ("partner_a_manager", "desk", True),
        ("partner_a_manager", "vendor", False),
        ("vendor_engineer", "vendor", False),
        ("vendor_admin", "vendor", True),
    ],
    ids=lambda v: str(v),
)
def test_who_may_write_which_scope(desk, role, scope, allowed):
    actor = getattr(desk, role)
    if allowed:
        assert make(actor, scope=scope).scope == scope
    else:
        with pytest.raises(ValidationFailed) as refused:
            make(actor, scope=scope)
        assert list(refused.value.fields) == ["scope"]
        assert Macro.objects.count() == 0


def test_a_customer_has_no_macros(desk):
    with pytest.raises(PermissionDenied):
        make(desk.customer_a_contact)
    assert Macro.objects.count() == 0


def test_a_desk_macro_is_changed_by_its_managers_only(desk):
    shared = make(desk.partner_a_manager, name="Desk", scope="desk")
    fields = macros.MacroFields(name="Mine now", body="x", scope="desk")

    with pytest.raises(PermissionDenied):
        macros.macro_update(actor=desk.partner_a_agent, macro=shared, fields=fields)
    with pytest.raises(PermissionDenied):
        macros.macro_delete(actor=desk.partner_a_agent, macro=shared)

    assert Macro.objects.get().name == "Desk"
    macros.macro_update(actor=desk.partner_a_manager, macro=shared, fields=fields)
    assert Macro.objects.get().name == "Mine now"


def test_vendor_macros_are_used_by_partners_but_not_changed(desk, case):
    published = make(
        desk.vendor_admin, name="Known issue", scope="vendor", body="{{ case.number }}"
    )

    assert macros.may_change(desk.partner_a_manager, published) is False
    inserted = macros.macro_insert(actor=desk.partner_a_agent, macro=published, case=case)
    assert inserted.body == case.number


# --- sending with a step -----------------------------------------------------------------------


def test_the_step_is_applied_after_the_message(desk, case):
    comment = macros.case_reply_then_step(
        actor=desk.partner_a_agent, case=case, audience="public", body="On it.", action="start"
    )

    case.refresh_from_db()
    assert case.customer_status == "in_progress"
    kinds = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["commented", "start"]
    assert comment.body == "On it."


def test_a_refused_step_keeps_neither(desk, case):
    with pytest.raises(ValidationFailed) as refused:
        macros.case_reply_then_step(
            actor=desk.partner_a_agent,
            case=case,
            audience="public",
            body="Waiting for you.",
            action="wait_on_customer",
        )

    assert refused.value.fields["step"][0].startswith("“Ask the customer” is not possible: ")
    assert Comment.objects.filter(case=case).count() == 0
    case.refresh_from_db()
    assert case.customer_status == "new"


def test_the_audience_is_set_only_where_the_actor_may_write(desk, case):
    internal = make(desk.vendor_admin, scope="vendor", audience="vendor_internal")
    public = make(desk.partner_a_agent, audience="partner_internal")

    assert macros.macro_insert(actor=desk.partner_a_agent, macro=internal, case=case).audience == ""
    assert (
        macros.macro_insert(actor=desk.partner_a_agent, macro=public, case=case).audience
        == "partner_internal"
    )


# --- API ---------------------------------------------------------------------------------------


def test_the_api_creates_lists_changes_and_removes(desk, api_as):
    client = api_as(desk.partner_a_manager)

    created = client.post(
        "/api/v1/macros", {"name": "Logs", "body": "Logs for {{ case.number }}?", "scope": "desk"}
    )
    assert created.status_code == 201
    macro_id = created.json()["id"]
    assert created.json()["mine"] is True
    listed = client.get("/api/v1/macros").json()
    assert [m["name"] for m in listed["items"]] == ["Logs"]
    changed = client.put(
        f"/api/v1/macros/{macro_id}", {"name": "Logs please", "body": "x", "scope": "desk"}
    )
    assert changed.status_code == 200
    assert changed.json()["name"] == "Logs please"
    assert client.delete(f"/api/v1/macros/{macro_id}").status_code == 204
    assert Macro.objects.count() == 0


def test_the_api_names_the_unknown_placeholder(desk, api_as):
    response = api_as(desk.partner_a_agent).post(
        "/api/v1/macros", {"name": "x", "body": "{{ customer.phone }}"}
    )

    assert response.status_code == 422
    assert "{{ customer.phone }}" in response.json()["fields"]["body"][0]


def test_the_api_answers_404_for_another_partners_macro(desk, api_as):
    theirs = make(desk.partner_b_manager, scope="desk")
    client = api_as(desk.partner_a_manager)

    assert client.get(f"/api/v1/macros/{theirs.pk}").status_code == 404
    assert client.delete(f"/api/v1/macros/{theirs.pk}").status_code == 404
    assert Macro.objects.count() == 1


def test_the_api_refuses_an_agent_changing_the_desks_macro(desk, api_as):
    shared = make(desk.partner_a_manager, scope="desk")
    client = api_as(desk.partner_a_agent)

    changed = client.put(f"/api/v1/macros/{shared.pk}", {"name": "Mine", "body": "x"})

    assert changed.status_code == 403
    assert client.delete(f"/api/v1/macros/{shared.pk}").status_code == 403
    assert Macro.objects.get().name == "Reply"


def test_the_api_previews_a_macro_for_a_case(desk, case, api_as):
    macro = make(desk.partner_a_agent, body="Re {{ case.number }}", action="start")

    response = api_as(desk.partner_a_agent).post(
        f"/api/v1/cases/{case.pk}/macros/{macro.pk}/preview"
    )

    assert response.status_code == 200
    assert response.json() == {"body": f"Re {case.number}", "audience": "", "action": "start"}


def test_the_macro_list_has_a_query_budget(desk, api_as, django_assert_max_num_queries):
    for n in range(5):
        make(desk.partner_a_agent, name=f"M{n}")
    client = api_as(desk.partner_a_agent)

    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/macros").json()["items"]) == 5


# --- portal ------------------------------------------------------------------------------------


def test_the_macros_page_saves_and_shows_field_errors(desk):
    client = signed_in(desk.partner_a_agent)

    refused = client.post(
        "/macros/new/", {"name": "Hi", "body": "Hi {{ customer.nickname }}", "scope": "personal"}
    )
    assert refused.status_code == 422
    assert 'data-field="body"' in refused.content.decode()
    assert "{{ customer.nickname }}" in refused.content.decode()

    saved = client.post(
        "/macros/new/", {"name": "Hi", "body": "Hi {{ customer.name }}", "scope": "personal"}
    )
    assert saved.status_code == 302
    page = client.get("/macros/").content.decode()
    assert "Hi" in page
    assert "Mine only" in page


def test_the_macros_page_is_not_for_customers(desk):
    assert signed_in(desk.customer_a_contact).get("/macros/").status_code == 404


def test_an_agent_cannot_edit_the_desks_macro(desk):
    shared = make(desk.partner_a_manager, scope="desk")

    response = signed_in(desk.partner_a_agent).post(
        f"/macros/{shared.pk}/", {"name": "Mine", "body": "x", "scope": "personal"}
    )

    assert response.status_code == 403
    assert Macro.objects.get().name == "Reply"


def test_the_composer_inserts_a_macro_for_the_case(desk, case):
    macro = make(
        desk.partner_a_agent,
        body="Dear {{ customer.name }} <script>x</script>",
        audience="partner_internal",
        action="start",
    )
    client = signed_in(desk.partner_a_agent)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="macro-pick"' in page
    filled = client.get(f"/cases/{case.pk}/macro/", {"macro": macro.pk}).content.decode()

    assert "Dear Customer of A &lt;script&gt;x&lt;/script&gt;" in filled
    assert 'value="partner_internal" selected' in filled
    assert 'name="step" value="start" checked' in filled
    assert "Then: Start work" in filled


def test_sending_with_the_macros_step_applies_it(desk, case):
    client = signed_in(desk.partner_a_agent)

    response = client.post(
        f"/cases/{case.pk}/comments/", {"audience": "public", "body": "On it.", "step": "start"}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.customer_status == "in_progress"


def test_a_refused_step_keeps_the_message_in_the_composer(desk, case):
    client = signed_in(desk.partner_a_agent)

    response = client.post(
        f"/cases/{case.pk}/comments/",
        {"audience": "public", "body": "Over to you.", "step": "wait_on_customer"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Over to you.</textarea>" in page
    assert "Then: Ask the customer" in page
    assert "“Ask the customer” is not possible" in page
    assert Comment.objects.filter(case=case).count() == 0


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("**bold** <script>alert(1)</script>", "<strong>bold</strong>"),
        ("   ", "Nothing to preview."),
    ],
    ids=["markdown", "empty"],
)
def test_the_preview_renders_like_a_sent_message(desk, case, body, shown):
    response = signed_in(desk.partner_a_agent).post(f"/cases/{case.pk}/preview/", {"body": body})

    assert response.status_code == 200
    assert shown in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_the_macros_page_has_a_query_budget(desk, django_assert_max_num_queries):
    for n in range(5):
        make(desk.partner_a_manager, name=f"Desk {n}", scope="desk")
    client = signed_in(desk.partner_a_agent)
    client.get("/macros/")  # the session and the caches, once

    with django_assert_max_num_queries(8):
        page = client.get("/macros/").content.decode()

    assert page.count('<span class="meta">by ') == 5
