"""Before the names and addresses that identify a party become unique (0007), settle the
duplicates a database may already hold, each change written to the audit trail:

* organisation names equal but for case, of any kinds: the vendor keeps its name, then the
  oldest organisation; the others get their kind appended (``Acme (partner)``);
* help desk addresses (lower-cased first): the organisation the audit trail shows setting the
  address first keeps it (else the oldest), the others' are emptied — their mail goes to
  quarantine until an administrator sets the right one;
* active submitters' e-mail addresses: the one registered with its own person's sign-in
  address keeps it, else the verified one, else the oldest; the others are revoked, with the
  reason, to be registered again with their own address.
"""

from django.db import migrations
from django.utils import timezone

KIND_ORDER = {"vendor": 0, "partner": 1, "customer": 2}
REASON = "migration parties.0006: unique names and addresses"


def _audit(AuditEvent, *, action, target_type, target_id, organisation_id, before, after):
    AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor=None,
        actor_label="system",
        organisation_id=organisation_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after={**after, "reason": REASON},
    )


def _names(Organisation, AuditEvent):
    organisations = sorted(
        Organisation.objects.all(), key=lambda o: (KIND_ORDER.get(o.kind, 9), o.pk)
    )
    taken = {organisation.name.lower() for organisation in organisations}
    kept = set()
    for organisation in organisations:
        key = organisation.name.lower()
        if key not in kept:
            kept.add(key)
            continue
        base = f"{organisation.name[:180]} ({organisation.kind})"
        name, number = base, 2
        while name.lower() in taken:
            name, number = f"{base} {number}", number + 1
        taken.add(name.lower())
        _audit(
            AuditEvent,
            action="organisation.updated",
            target_type="parties.organisation",
            target_id=organisation.pk,
            organisation_id=organisation.pk,
            before={"name": organisation.name},
            after={"name": name},
        )
        Organisation.objects.filter(pk=organisation.pk).update(name=name)


def _first_to_set(AuditEvent, organisations, address):
    ids = {str(o.pk): o for o in organisations}
    history = AuditEvent.objects.filter(
        target_type="parties.organisation",
        target_id__in=list(ids),
        action__in=["organisation.created", "organisation.updated"],
    ).order_by("occurred_at", "id")
    for event in history:
        if str((event.after or {}).get("helpdesk_email", "")).strip().lower() == address:
            return ids[event.target_id]
    return min(organisations, key=lambda o: (not o.is_active, o.pk))


def _desk_addresses(Organisation, AuditEvent):
    groups = {}
    for organisation in Organisation.objects.exclude(helpdesk_email="").order_by("pk"):
        address = organisation.helpdesk_email.strip().lower()
        if address != organisation.helpdesk_email:
            Organisation.objects.filter(pk=organisation.pk).update(helpdesk_email=address)
        groups.setdefault(address, []).append(organisation)
    for address, organisations in groups.items():
        if len(organisations) < 2:
            continue
        keeper = _first_to_set(AuditEvent, organisations, address)
        for organisation in organisations:
            if organisation.pk == keeper.pk:
                continue
            _audit(
                AuditEvent,
                action="organisation.updated",
                target_type="parties.organisation",
                target_id=organisation.pk,
                organisation_id=organisation.pk,
                before={"helpdesk_email": address},
                after={"helpdesk_email": "", "kept_by_organisation_id": keeper.pk},
            )
            Organisation.objects.filter(pk=organisation.pk).update(helpdesk_email="")


def _submitter_addresses(AuthorisedSubmitter, AuditEvent):
    groups = {}
    active = AuthorisedSubmitter.objects.filter(active=True).select_related("person")
    for submitter in active.order_by("pk"):
        groups.setdefault(submitter.email.strip().lower(), []).append(submitter)
    for submitters in groups.values():
        if len(submitters) < 2:
            continue
        keeper = min(
            submitters,
            key=lambda s: (
                s.email.strip().lower() != s.person.email.lower(),
                s.verified_at is None,
                s.pk,
            ),
        )
        for submitter in submitters:
            if submitter.pk == keeper.pk:
                continue
            reason = "Another submitter has this e-mail address; register again with your own."
            _audit(
                AuditEvent,
                action="submitter.deactivated",
                target_type="parties.authorisedsubmitter",
                target_id=submitter.pk,
                organisation_id=submitter.person.organisation_id,
                before={"active": True},
                after={"active": False, "reason": reason},
            )
            AuthorisedSubmitter.objects.filter(pk=submitter.pk).update(
                active=False, deactivated_reason=reason
            )


def settle_duplicates(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    _names(apps.get_model("parties", "Organisation"), AuditEvent)
    _desk_addresses(apps.get_model("parties", "Organisation"), AuditEvent)
    _submitter_addresses(apps.get_model("parties", "AuthorisedSubmitter"), AuditEvent)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_throttles"),
        ("parties", "0005_organisation_home"),
    ]

    operations = [migrations.RunPython(settle_duplicates, migrations.RunPython.noop)]
