"""The action endpoints take a step's words (issue 20): the question, the solution, the
explanation, posted with the step in one write."""

from casebridge.api.urls import api
from casebridge.cases.models import Case, Comment
from tests.api.test_cases_api import opened


def started(api_as, desk):
    case_id = opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"]
    api_as(desk.partner_a_agent).post(f"/api/v1/cases/{case_id}/actions/start")
    return case_id


def test_asking_the_customer_posts_the_question_with_the_step(desk, api_as):
    case_id = started(api_as, desk)

    response = api_as(desk.partner_a_agent).post(
        f"/api/v1/cases/{case_id}/actions/wait_on_customer", {"message": "Which number fails?"}
    )

    comment = Comment.objects.get(case_id=case_id)
    assert response.status_code == 200
    assert response["ETag"] == 'W/"3"'
    assert response.json()["engagements"][0]["status"] == "waiting_on_customer"
    assert (comment.audience, comment.body) == ("public", "Which number fails?")


def test_a_missing_question_answers_422_on_the_message_and_stores_nothing(desk, api_as):
    case_id = started(api_as, desk)

    response = api_as(desk.partner_a_agent).post(
        f"/api/v1/cases/{case_id}/actions/wait_on_customer"
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {"message": ["Write the question."]}
    assert Case.objects.get().customer_status == "in_progress"
    assert not Comment.objects.exists()


def test_a_step_without_words_still_takes_an_empty_body(desk, api_as):
    case_id = opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"]

    response = api_as(desk.partner_a_agent).post(f"/api/v1/cases/{case_id}/actions/triage")

    assert response.status_code == 200


def test_a_message_to_a_step_without_words_answers_422(desk, api_as):
    case_id = opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"]

    response = api_as(desk.partner_a_agent).post(
        f"/api/v1/cases/{case_id}/actions/triage", {"message": "Hello"}
    )

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["message"]
    assert Case.objects.get().revision == 1


def test_the_openapi_document_describes_the_message():
    schemas = api.get_openapi_schema()["components"]["schemas"]

    message = schemas["CaseActionIn"]["properties"]["message"]
    assert "Required for wait_on_customer" in message["description"]
    assert "message" in schemas["CaseReturnIn"]["properties"]
