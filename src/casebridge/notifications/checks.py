"""``casebridge check``: the background-work settings, and the health of deliveries and inbound
mail (database checks)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Tags, Warning, register
from django.db import DatabaseError

from casebridge.config.settings import background_work_problems


@register()
def background_work_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The lease outlasts a webhook attempt, and the webhook threads exist (settings refuse to
    load otherwise; this catches settings changed after loading)."""
    return [
        Error(problem, id="casebridge.E107")
        for problem in background_work_problems(
            lease=settings.CASEBRIDGE_OUTBOX_LEASE_SECONDS,
            webhook_timeout=settings.CASEBRIDGE_WEBHOOK_TIMEOUT,
            webhook_concurrency=settings.CASEBRIDGE_WEBHOOK_CONCURRENCY,
            max_answer_bytes=settings.CASEBRIDGE_WEBHOOK_MAX_ANSWER_BYTES,
        )
    ]


@register(Tags.database)
def integration_health(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    if not databases:
        return []
    from casebridge.notifications.services import health

    try:
        state = health()
    except DatabaseError:  # not migrated yet: nothing to report
        return []
    found: list[CheckMessage] = []
    if state["outbox_failed"]:
        found.append(
            Warning(
                f"{state['outbox_failed']} outbox deliveries gave up.",
                hint="casebridge outbox status; casebridge outbox retry",
                id="casebridge.W101",
            )
        )
    if state["outbox_stuck"]:
        found.append(
            Warning(
                f"{state['outbox_stuck']} outbox deliveries are overdue by 15 minutes or more.",
                hint="Is the worker running? casebridge worker",
                id="casebridge.W102",
            )
        )
    if state["webhooks_failed"]:
        found.append(
            Warning(
                f"{state['webhooks_failed']} webhook deliveries gave up.",
                hint="See Integrations in the portal; send them again once the receiver is up.",
                id="casebridge.W103",
            )
        )
    if state["mail_quarantined"]:
        found.append(
            Info(
                f"{state['mail_quarantined']} inbound messages are in quarantine.",
                hint="GET /api/v1/mail/inbound?outcome=quarantined",
                id="casebridge.I104",
            )
        )
    last = state["mail_last_received_at"]
    if last is not None:  # a deployment without inbound mail hears nothing about it
        found.append(Info(f"Last inbound e-mail: {last:%Y-%m-%d %H:%M %Z}.", id="casebridge.I105"))
        if not settings.CASEBRIDGE_MAIL_TRUSTED_MTAS:
            found.append(
                Warning(
                    "Inbound mail arrives but no mail server is trusted to authenticate senders: "
                    "new cases by mail and replies without a signed reply address are "
                    "quarantined.",
                    hint="Set CASEBRIDGE_MAIL_TRUSTED_MTAS to your MTA's authserv-id.",
                    id="casebridge.W106",
                )
            )
    return found
