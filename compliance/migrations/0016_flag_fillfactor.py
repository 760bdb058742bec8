"""Flag pages half empty on PostgreSQL, so a day's rescore updates in place (HOT).

The first scan of each day rewrites the exposure score of every open violation (~420,000 at 1M
projects: the days overdue grew). On full pages each new row version goes to another page and
into every index of the table: 7.1-7.7 s a day here, and ~7,000 pages of dead rows until
autovacuum. With room on the page and no indexed column changed (the score is in no index), the
update stays on the page and writes no index entry: 1.5-1.7 s, and the table does not grow
(bench/README.md, 2026-12-01, ninth host). Rows already stored keep their full pages until the
table is rewritten (VACUUM FULL compliance_complianceflag, in a maintenance window).
"""

from django.db import migrations

TABLE = "compliance_complianceflag"


def half_empty_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 50)")


def full_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("compliance", "0015_scan_decision")]

    operations = [migrations.RunPython(half_empty_pages, full_pages)]
