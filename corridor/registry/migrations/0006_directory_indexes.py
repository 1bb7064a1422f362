"""Indexes for the public directory at 100,000 organisations (bench/directory.py).

Partial indexes on active organisations give the directory's page order, a zone's
organisations and the facet counts without reading the table (``is_active`` is repeated
as a column: SQLite counts a partial index as covering only when it holds every column
the query names), and the few inactive ones are listed apart; the sector links get (sector, organisation) so the
sector facet reads the index alone. The links table is Django's automatic many-to-many
table, which declares no indexes of its own, hence plain SQL (the same on both databases).
"""

from django.db import migrations, models

LINKS = "registry_organisation_sectors"


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_ror_id_format")]

    operations = [
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                condition=models.Q(("is_active", True)),
                fields=["name", "id", "is_active"],
                name="organisation_active_name",
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                condition=models.Q(("is_active", True)),
                fields=["country", "kind", "zone", "id", "is_active"],
                name="organisation_active_facets",
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                condition=models.Q(("is_active", True)),
                fields=["zone", "name", "id", "is_active"],
                name="organisation_active_zone",
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                condition=models.Q(("is_active", False)),
                fields=["id", "is_active"],
                name="organisation_inactive",
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["updated_at"], name="organisation_updated_at"),
        ),
        migrations.RunSQL(
            f"CREATE INDEX {LINKS}_sector_organisation ON {LINKS} (sector_id, organisation_id)",
            f"DROP INDEX {LINKS}_sector_organisation",
        ),
    ]
