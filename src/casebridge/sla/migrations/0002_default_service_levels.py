from django.db import migrations


def create_defaults(apps, schema_editor):
    from casebridge.sla.defaults import ensure_default_service_levels

    ensure_default_service_levels(
        apps.get_model("sla", "BusinessCalendar"),
        apps.get_model("sla", "ServiceTarget"),
        apps.get_model("parties", "SupportPlan"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        ("parties", "0004_support_plans_as_data"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
