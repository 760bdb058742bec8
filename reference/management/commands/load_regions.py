"""Load Kemendagri provinces, kab/kota and kecamatan from the data files in reference/data.

Source: idn-area-data 4.0.1 (npm), data under the Open Database License (see
reference/data/README.md). Idempotent: a second run changes nothing; renamed regions are updated.
"""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from reference.models import Region

DATA = Path(__file__).resolve().parents[2] / "data"
LEVELS = [
    ("provinces.csv", Region.Level.PROVINCE, None),
    ("regencies.csv", Region.Level.REGENCY, "province_code"),
    ("districts.csv", Region.Level.DISTRICT, "regency_code"),
]


class Command(BaseCommand):
    help = "Load Indonesian regions (38 provinces, 514 kab/kota, 7,285 kecamatan)."

    @transaction.atomic
    def handle(self, *args, **options):
        ids: dict[str, int] = dict(Region.objects.values_list("code", "id"))
        for filename, level, parent_column in LEVELS:
            with open(DATA / filename, encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
            Region.objects.bulk_create(
                [
                    Region(
                        code=row["code"],
                        name=row["name"],
                        level=level,
                        parent_id=ids[row[parent_column]] if parent_column else None,
                    )
                    for row in rows
                ],
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "level", "parent"],
            )
            ids = dict(Region.objects.values_list("code", "id"))
            self.stdout.write(f"{filename}: {len(rows)} regions")
