"""Seed the Holiday table from the `holidays` library: public holidays and cuti bersama.

Idempotent; rows entered by admins are never overwritten. Due dates of projects signed around
changed days are recomputed.
"""

from datetime import date, timedelta

import holidays
from django.core.management.base import BaseCommand
from django.db import transaction

from projects.services import recompute_due_dates
from reference.models import Holiday


class Command(BaseCommand):
    help = "Load Indonesian public holidays and cuti bersama for a range of years."

    def add_arguments(self, parser):
        this_year = date.today().year
        parser.add_argument("--from-year", type=int, default=this_year - 3)
        parser.add_argument("--to-year", type=int, default=this_year + 1)

    @transaction.atomic
    def handle(self, *args, from_year, to_year, **options):
        years = range(from_year, to_year + 1)
        days = {}
        # Cuti bersama is the library's 'government' category (SKB of three ministers).
        for category, kind in (
            ("government", Holiday.Kind.CUTI_BERSAMA),
            ("public", Holiday.Kind.PUBLIC),
        ):
            for day, name in holidays.Indonesia(years=years, categories=(category,)).items():
                days[day] = (name, kind)
        existing = set(Holiday.objects.filter(date__in=days).values_list("date", flat=True))
        new = [
            Holiday(date=day, name=name, kind=kind, source=Holiday.Source.LIBRARY)
            for day, (name, kind) in sorted(days.items())
            if day not in existing
        ]
        Holiday.objects.bulk_create(new)
        if new:
            recompute_due_dates(spk_from=new[0].date - timedelta(days=60), spk_until=new[-1].date)
        self.stdout.write(f"holidays {from_year}-{to_year}: {len(new)} added, {len(existing)} kept")
