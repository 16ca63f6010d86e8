"""Steps that take words (issue 20): the question, the solution or the explanation is posted as
a message in the same write as the step, to the audience the table's rule gives."""

import pytest

from casebridge.cases import audiences, services, workflow
from casebridge.cases.models import Case, CaseEvent, Comment, Engagement
from casebridge.cases.querysets import audiences_for
from casebridge.core.errors import ValidationFailed
from casebridge.core.models import OutboxEvent
from tests.cases.helpers import COMPLETE, act


@pytest.fixture
def in_progress(desk, open_case):
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    return case


@pytest.fixture
def investigating(desk, in_progress):
    act(in_progress, desk.partner_a_manager, "escalate")
    act(in_progress, desk.vendor_engineer, "accept")
    in_progress.refresh_from_db()
    return in_progress


def stored(case):
    case.refresh_from_db()
    return (
        case.revision,
        case.customer_status,
        case.vendor_status,
        Comment.objects.filter(case=case).count(),
        CaseEvent.objects.filter(case=case).count(),
        OutboxEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("action", "words"),
    [(t.action, t.words) for t in workflow.TRANSITIONS if t.words],
    ids=[t.action for t in workflow.TRANSITIONS if t.words],
)
def test_the_table_names_the_words_each_step_takes(action, words):
    assert words.what in {"question", "solution", "explanation"}
    assert words.required == (action not in {"return", "reject"})


def test_asking_the_customer_posts_the_question_to_the_customer_in_one_write(desk, in_progress):
    before = in_progress.revision

    act(in_progress, desk.partner_a_agent, "wait_on_customer", message="Which number fails?")

    in_progress.refresh_from_db()
    comment = Comment.objects.get(case=in_progress)
    kinds = list(
        CaseEvent.objects.filter(case=in_progress).order_by("pk").values_list("kind", flat=True)
    )
    outbox = set(OutboxEvent.objects.values_list("kind", flat=True))
    assert (in_progress.revision, in_progress.customer_status) == (
        before + 1,
        "waiting_on_customer",
    )
    assert (comment.audience, comment.body, comment.author) == (
        "public",
        "Which number fails?",
        desk.partner_a_agent,
    )
    assert kinds[-2:] == ["wait_on_customer", "commented"]
    assert {"case.wait_on_customer", "case.commented"} <= outbox


@pytest.mark.parametrize("message", ["", "   \n "], ids=["empty", "blank"])
def test_a_step_that_needs_words_refuses_without_them_and_stores_nothing(
    desk, in_progress, message
):
    before = stored(in_progress)

    with pytest.raises(ValidationFailed) as refused:
        services.case_transition(
            actor=desk.partner_a_agent,
            case=in_progress,
            action="wait_on_customer",
            expected_revision=in_progress.revision,
            message=message,
        )

    assert refused.value.fields == {"message": ["Write the question."]}
    assert stored(in_progress) == before


def test_a_refused_step_keeps_its_words_out_too(desk, investigating):
    """One transaction: the explanation is valid but the return reason is not, so neither the
    message nor the step is stored."""
    before = stored(investigating)

    with pytest.raises(ValidationFailed) as refused:
        act(
            investigating,
            desk.vendor_engineer,
            "return",
            reason="Incomplete",
            return_reason="bogus",
            message="Please add the SBC trace.",
        )

    assert set(refused.value.fields) == {"return_reason"}
    assert stored(investigating) == before


def test_a_step_without_words_refuses_a_message(desk, open_case):
    case = open_case()
    before = stored(case)

    with pytest.raises(ValidationFailed) as refused:
        act(case, desk.partner_a_agent, "start", message="Hello")

    assert refused.value.fields == {"message": ["Start work takes no message; send it as a reply."]}
    assert stored(case) == before


def test_the_vendors_question_goes_to_the_partner_and_the_customer_never_reads_it(
    desk, investigating
):
    act(
        investigating,
        desk.vendor_engineer,
        "request_information",
        message="Send the SBC log of one failing call.",
    )

    comment = Comment.objects.get(case=investigating, body__startswith="Send the SBC")
    customer_reads = audiences_for(desk.customer_a_contact, partner_in_between=True)
    assert comment.audience == "partner_vendor"
    assert comment.audience not in customer_reads
    assert not (
        Comment.objects.visible_to(desk.customer_a_contact, partner_in_between=True)
        .filter(pk=comment.pk)
        .exists()
    )
    assert Engagement.objects.get(case=investigating, kind="vendor").status == "waiting_on_partner"


@pytest.mark.parametrize(
    ("action", "message", "audience"),
    [
        ("provide_solution", "Upgrade the SBC firmware to 7.2.", "partner_vendor"),
        ("return", "The trace is missing.", "partner_vendor"),
    ],
    ids=["solution-to-the-partner", "explanation-to-the-submitter"],
)
def test_the_vendors_words_go_to_the_partner(desk, investigating, action, message, audience):
    act(
        investigating,
        desk.vendor_engineer,
        action,
        message=message,
        reason="Incomplete",
        return_reason="incomplete",
    )

    assert Comment.objects.get(case=investigating, body=message).audience == audience


def test_returning_without_an_explanation_still_works(desk, investigating):
    act(investigating, desk.vendor_engineer, "return", reason="r", return_reason="incomplete")

    investigating.refresh_from_db()
    assert investigating.vendor_status == "returned"
    assert not Comment.objects.filter(case=investigating).exists()


def test_a_model_1_vendor_has_no_audience_for_words_to_the_customer(desk, in_progress):
    propose = workflow.row_of("propose_solution")

    assert audiences.words_audience(desk.vendor_engineer, in_progress, propose) is None
    assert audiences.words_audience(desk.partner_a_agent, in_progress, propose) == "public"


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("wait_on_customer", "Your question to Customer of A"),
        ("request_information", "Your question to Partner A"),
        ("provide_solution", "The solution"),
        ("return", "What Partner A should add or change"),
    ],
)
def test_the_text_box_is_labelled_with_whom_it_goes_to(desk, in_progress, action, label):
    case = Case.objects.select_related("customer", "partner").get(pk=in_progress.pk)

    assert audiences.words_label(case, workflow.row_of(action)) == label
