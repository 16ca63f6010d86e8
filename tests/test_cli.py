import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from casebridge.cli import main
from casebridge.demo.parties import VENDOR_NAME
from casebridge.parties.models import Certification, Organisation, Person
from casebridge.parties.selectors import partner_is_qualified


def test_help_lists_the_everyday_commands(capsys):
    main(["--help"])

    out = capsys.readouterr().out
    everyday = (
        "serve",
        "worker",
        "demo",
        "setup",
        "check",
        "rasci",
        "sla",
        "search",
        "reports",
        "jobs",
        "outbox",
    )
    for command in (*everyday, "bench"):
        assert f"  {command}" in out


@pytest.mark.django_db
def test_demo_loads_once_and_matches_the_brief(capsys):
    call_command("demo")
    counts = (Organisation.objects.count(), Person.objects.count(), Certification.objects.count())
    call_command("demo")

    assert (
        Organisation.objects.count(),
        Person.objects.count(),
        Certification.objects.count(),
    ) == counts
    assert Organisation.objects.filter(kind="partner").count() == 3
    assert Organisation.objects.filter(kind="customer").count() == 8
    qualified = {p.name: partner_is_qualified(p).qualified for p in Organisation.objects.partners()}
    assert qualified == {
        "Bluewater Telecom": True,
        "Kestrel Integrations": True,
        "Harbor Unified": False,
    }
    assert "already loaded" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_covers_both_models_and_both_scenarios_and_expiring_certifications():
    call_command("demo")

    pairs = set(
        Organisation.objects.filter(kind="customer").values_list(
            "relationship__operating_model", "relationship__scenario"
        )
    )
    roles = set(Person.objects.values_list("roles__role", flat=True))

    assert pairs == {
        ("model_1", "cloud"),
        ("model_1", "on_premises"),
        ("model_2", "cloud"),
        ("model_2", "on_premises"),
    }
    assert roles >= {"agent", "engineer", "manager", "admin", "customer_contact"}

    from casebridge.core import clock

    today = clock.today()
    assert Certification.objects.expiring(on=today, within_days=30).count() >= 3
    assert Certification.objects.valid_on(today).count() < Certification.objects.count()


@pytest.mark.django_db
def test_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="demo passwords exist only in demo mode"):
        call_command("demo")

    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_demo_refuses_a_database_of_another_vendor():
    Organisation.objects.create(name="Real Vendor", kind="vendor")

    with pytest.raises(CommandError, match="already belongs to the vendor 'Real Vendor'"):
        call_command("demo")

    assert not Organisation.objects.filter(name=VENDOR_NAME).exists()


@pytest.mark.django_db
def test_setup_creates_the_vendor_and_its_administrator(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt: "a-Long-enough-passphrase-42")

    call_command("setup", vendor="Acme Contact", admin_email="Boss@Acme.example")

    admin = Person.objects.get(email="boss@acme.example")
    assert admin.organisation.kind == "vendor"
    assert admin.is_staff
    assert admin.check_password("a-Long-enough-passphrase-42")
    with pytest.raises(CommandError, match="setup runs once"):
        call_command("setup", vendor="Again", admin_email="x@acme.example")


@pytest.mark.django_db
def test_setup_names_a_bad_email(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt: "a-Long-enough-passphrase-42")

    with pytest.raises(CommandError, match="email: Enter a valid e-mail address"):
        call_command("setup", vendor="Acme Contact", admin_email="not-an-address")

    assert not Organisation.objects.exists()


def _casebridge(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    base.update(
        {
            "CASEBRIDGE_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        }
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "casebridge", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_mode_needs_a_secret_key(tmp_path):
    result = _casebridge("check", env={"CASEBRIDGE_MODE": "production"}, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY must be set in production mode" in result.stderr


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = _casebridge(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "CASEBRIDGE_MODE": "production",
            "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-with-entropy-9f8e7d6c5b4a",
            "ALLOWED_HOSTS": "support.example.com",
        },
        tmp_path=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_local_secret_key_is_generated_once(tmp_path):
    first = _casebridge(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        env={},
        tmp_path=tmp_path,
    )
    second = _casebridge(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        env={},
        tmp_path=tmp_path,
    )

    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) > 50
    assert oct((tmp_path / "var" / "secret_key").stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_URL": "mysql://root@localhost/x"},
            "DATABASE_URL must point at SQLite or PostgreSQL",
        ),
        ({"CASEBRIDGE_MODE": "staging"}, "CASEBRIDGE_MODE must be development, production or test"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT must be a whole number"),
        (
            {"CASEBRIDGE_CACHE_URL": "memcached://127.0.0.1:11211"},
            "CASEBRIDGE_CACHE_URL must be a redis://, rediss:// or unix:// address",
        ),
        (
            {"CASEBRIDGE_SESSION_STORE": "cached_db"},
            "CASEBRIDGE_SESSION_STORE=cached_db needs a shared cache (CASEBRIDGE_CACHE_URL)",
        ),
        ({"CASEBRIDGE_SESSION_STORE": "memory"}, "CASEBRIDGE_SESSION_STORE must be database"),
        (
            {"CASEBRIDGE_JOB_INTERVALS": "sla.sweep=often"},
            "CASEBRIDGE_JOB_INTERVALS takes JOB=SECONDS pairs",
        ),
    ],
)
def test_bad_settings_name_the_variable(tmp_path, env, message):
    result = _casebridge("check", env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_demo_cases_sit_at_the_partner_with_the_vendor_and_in_model_2():
    from casebridge.cases.models import Engagement

    call_command("demo")

    states = sorted(Engagement.objects.values_list("case__customer__slug", "kind", "status"))
    assert states == [
        ("delta-water-board", "customer", "escalated"),
        ("delta-water-board", "vendor", "waiting_on_partner"),
        ("polder-energy", "customer", "escalated"),
        ("polder-energy", "vendor", "submitted"),
        ("rijnland-care-group", "customer", "in_progress"),
        ("rijnland-care-group", "customer", "resolved"),
    ]
    from casebridge.rca.models import Rca

    rca = Rca.objects.get()  # the resolved Priority 1's, owned by Bluewater
    assert (rca.owner.slug, rca.status) == ("bluewater-telecom", "draft")


@pytest.mark.django_db
def test_every_demo_case_can_be_worked_by_a_printed_sign_in_and_the_vendor_sees_the_p1():
    from casebridge.cases import selectors
    from casebridge.cases.models import Case
    from casebridge.demo.parties import LOGINS

    call_command("demo")
    people = [Person.objects.get(email=email) for _, email in LOGINS]

    workable = {
        case.number: sorted(
            person.email
            for person in people
            if Case.objects.visible_to(person).filter(pk=case.pk).exists()
            and selectors.allowed_actions(actor=person, case=selectors.access_case(person, case.pk))
        )
        for case in Case.objects.all()
    }
    p1 = Case.objects.get(customer__slug="polder-energy")
    vendor_engineer = Person.objects.get(email="sam.okafor@lumen.example")

    assert [number for number, emails in workable.items() if not emails] == []
    assert "sam.okafor@lumen.example" in workable[p1.number]
    assert p1.priority == "P1"
    assert "accept" in selectors.allowed_actions(
        actor=vendor_engineer, case=selectors.access_case(vendor_engineer, p1.pk)
    )


@pytest.mark.django_db
def test_the_tour_takes_a_24x7_call_on_the_demo_p1():
    """README tour, step 4: as sam.okafor@lumen.example the 24x7 line finds Polder Energy's
    administrator by ``010 555 0130``, authorised, with its open Priority 1, and logs the call."""
    from django.test import Client

    from casebridge.cases.models import Case, PhoneFollowUp

    call_command("demo")
    client = Client()
    client.force_login(Person.objects.get(email="sam.okafor@lumen.example"))
    p1 = Case.objects.get(customer__slug="polder-energy")

    found = client.get("/line/", {"phone": "010 555 0130"})
    logged = client.post(
        "/line/", {"phone": "010 555 0130", "case": p1.pk, "summary": "Still down."}
    )

    assert found.context["match"].person.email == "admin@polder-energy.example"
    assert found.context["match"].state == "authorised"
    assert [case.pk for case in found.context["cases"]] == [p1.pk]
    assert logged.status_code == 302
    assert PhoneFollowUp.objects.get(case=p1).summary == "Still down."


@pytest.mark.django_db
def test_the_tour_mails_the_partner_desk_when_its_customer_opens_a_case(capsys):
    """README tour, step 4: as it@rijnland-care.example open a new case; Bluewater's desk (the
    people who may take it at Level 1) is mailed, the vendor is not (it cannot see the case)."""
    from django.core import mail
    from django.test import Client

    from casebridge.core.outbox import outbox_drain

    call_command("demo")
    outbox_drain()  # the demo's own cases
    mail.outbox.clear()
    customer = Client()
    assert customer.login(email="it@rijnland-care.example", password="casebridge-demo")
    rijnland = Organisation.objects.get(slug="rijnland-care-group")

    response = customer.post(
        "/cases/new/",
        {
            "customer": rijnland.pk,
            "title": "Agents cannot hear callers",
            "description": "Since 10:00 the agents hear nothing.",
            "category": "incident",
            "impact": "high",
            "urgency": "medium",
        },
    )
    outbox_drain()

    assert response.status_code == 302
    mailed = {m.to[0] for m in mail.outbox if "Agents cannot hear callers" in m.subject}
    assert mailed == {
        "agent@bluewater.example",
        "lotte@bluewater.example",
        "engineer@bluewater.example",
        "noor@bluewater.example",
    }
    assert all("It is your turn" in m.body for m in mail.outbox if m.to[0] in mailed)
    from casebridge.notifications import selectors as told

    agent = Person.objects.get(email="agent@bluewater.example")
    assert told.inbox(agent).filter(case__title="Agents cannot hear callers", read_at=None).exists()


@pytest.mark.django_db
def test_the_tour_names_the_verified_submitters_behind_case_submit(capsys):
    call_command("demo")
    capsys.readouterr()

    call_command("rasci", "who", "case.submit", "--customer", "rijnland-care-group")

    out = capsys.readouterr().out
    assert "<manager@bluewater.example>" in out
    assert "<engineer@bluewater.example>" in out
    assert "noor@bluewater.example" not in out  # registered, not verified: cannot escalate


def test_serve_sends_log_lines_to_the_file_and_prints_the_banner_last(
    tmp_path, monkeypatch, capsys, settings
):
    from casebridge.core.management.commands import serve

    started = []

    class Process:
        def __init__(self, command, **output):
            started.append((command, output))

    monkeypatch.setattr(serve.subprocess, "Popen", Process)
    monkeypatch.setattr(serve.Command, "_supervise", lambda self, processes: None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    banner = tmp_path / "sign-ins.txt"
    banner.write_text("  Partner agent   agent@bluewater.example\n")

    call_command(
        "serve",
        "--with-worker",
        "--log-file",
        str(tmp_path / "log" / "serve.log"),
        "--banner",
        str(banner),
    )

    lines = capsys.readouterr().out.splitlines()
    assert [output["stdout"].name for _, output in started] == [
        str(tmp_path / "log" / "serve.log")
    ] * 2
    assert lines[-1] == "  Partner agent   agent@bluewater.example"
    assert f"Outgoing e-mail is written to files in {tmp_path / 'mail'}/." in lines
