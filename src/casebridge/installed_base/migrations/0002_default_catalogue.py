from django.db import migrations


def load_defaults(apps, schema_editor):
    from casebridge.installed_base.defaults import ensure_default_catalogue

    ensure_default_catalogue(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("installed_base", "0001_initial"),
        ("parties", "0003_operating_models_and_slugs"),
    ]

    operations = [
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
    ]
