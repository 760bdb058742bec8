"""The contribution tiers in force (domain.md §2.2): data, so admins can add a new tariff later."""

from decimal import Decimal

from django.db import migrations

TIERS = [
    (Decimal("100000000"), Decimal("0.21"), Decimal("0.03")),
    (Decimal("500000000"), Decimal("0.17"), Decimal("0.02")),
    (Decimal("1000000000"), Decimal("0.13"), Decimal("0.02")),
    (Decimal("5000000000"), Decimal("0.11"), Decimal("0.01")),
    (None, Decimal("0.09"), Decimal("0.01")),
]


def create_tariff(apps, schema_editor):
    Tariff = apps.get_model("compliance", "Tariff")
    TariffTier = apps.get_model("compliance", "TariffTier")
    tariff, created = Tariff.objects.get_or_create(
        valid_from="1999-01-01",
        defaults={
            "name": "Tarif iuran JKK-JKM jasa konstruksi",
            # Combined totals unchanged since KEP-196/MEN/1999; JKK/JKM split of PP 44/2015,
            # confirmed by PP 49/2020 and kept by Permenaker 5/2021.
            "legal_basis": "PP 44/2015 jo. PP 82/2019; Permenaker 5/2021 (KEP-196/MEN/1999)",
            "wage_jkk_rate": Decimal("1.74"),
            "wage_jkm_rate": Decimal("0.30"),
        },
    )
    if created:
        TariffTier.objects.bulk_create(
            TariffTier(tariff=tariff, position=i, upper_bound=upper, jkk_rate=jkk, jkm_rate=jkm)
            for i, (upper, jkk, jkm) in enumerate(TIERS, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]
    operations = [migrations.RunPython(create_tariff, migrations.RunPython.noop)]
