"""Search: messages are indexed by their words, not their Markdown source. The entries of the
messages already stored are written again from each message's rendered text."""

import html
import re
from django.db import migrations

# The same reading as casebridge.cases.text.plain_text on the day this migration was written.
_BLOCK_END = re.compile(r"</(p|pre|blockquote|li|h[1-4]|tr|table)>|<br\s*/?>|<hr\s*/?>")
_TAG = re.compile(r"<[^>]*>")


def _plain(rendered):
    lines = _TAG.sub("", _BLOCK_END.sub("\n", rendered or ""))
    return "\n".join(line.strip() for line in html.unescape(lines).splitlines() if line.strip())


def entries_reword(apps, schema_editor):
    Comment = apps.get_model("cases", "Comment")
    SearchEntry = apps.get_model("cases", "SearchEntry")
    db = schema_editor.connection.alias
    entries = SearchEntry.objects.using(db).filter(source="comment").only("id", "source_id", "body")
    last = 0
    while batch := list(entries.filter(id__gt=last).order_by("id")[:1000]):
        last = batch[-1].id
        rendered = dict(
            Comment.objects.using(db)
            .filter(pk__in=[entry.source_id for entry in batch])
            .values_list("id", "body_html")
        )
        for entry in batch:
            if entry.source_id in rendered:
                entry.body = _plain(rendered[entry.source_id])
        SearchEntry.objects.using(db).bulk_update(batch, ["body"])  # SQLite: the trigger follows
    if schema_editor.connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        SearchEntry.objects.using(db).filter(source="comment").update(
            document=SearchVector("title", weight="A", config="english")
            + SearchVector("body", weight="B", config="english")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_clock_ledger"),
    ]

    operations = [
        migrations.RunPython(entries_reword, migrations.RunPython.noop, elidable=False),
    ]
