from django.db import migrations

FORBID_CHANGES = """
CREATE OR REPLACE FUNCTION cases_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case history is append-only: % on cases_caseevent is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_caseevent_append_only
    BEFORE UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION cases_caseevent_append_only();
"""

ALLOW_CHANGES = """
DROP TRIGGER IF EXISTS cases_caseevent_append_only ON cases_caseevent;
DROP FUNCTION IF EXISTS cases_caseevent_append_only();
"""


def load_defaults(apps, schema_editor):
    from casebridge.cases.defaults import ensure_case_defaults

    ensure_case_defaults(apps)


def forbid_changes(apps, schema_editor):
    """The database itself refuses to change history (PostgreSQL; the model layer does so on
    both databases)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID_CHANGES, params=None)


def allow_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_CHANGES, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
        migrations.RunPython(forbid_changes, allow_changes),
    ]
