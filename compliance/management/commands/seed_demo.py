"""Load the demo: regions, holidays, offices, users, contractors and ~40 projects (compliance.demo).

Idempotent: a second run changes nothing. Refuses to run unless DEBUG is on or --force is given,
because the demo users share a published password.
"""

import io
from datetime import date

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance.demo import BEKASI, DEMO_PASSWORD, TANBU, USERS, seed_demo


class Command(BaseCommand):
    help = (
        "Load demo data (Kota Bekasi and Kabupaten Tanah Bumbu) with demo users whose password "
        f"is {DEMO_PASSWORD}. Only with DEBUG on, or with --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Never on a production database: the demo users' "
            "password is public.",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="The day the demo's dates are relative to (YYYY-MM-DD; default: today).",
        )

    def handle(self, *args, force, today, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates demo users (admin, dinas.bekasi, ...) whose password "
                f"'{DEMO_PASSWORD}' is published in the README, so it runs only with DEBUG on. "
                "If this database is a throwaway one and not production, run it again with --force."
            )
        today = today or timezone.localdate()
        # Their own output only with -v 2: the summary below says what matters.
        sink = self.stdout if options["verbosity"] > 1 else io.StringIO()
        call_command("load_regions", stdout=sink)
        call_command("load_holidays", stdout=sink)
        result = seed_demo(today=today)
        self._summary(today, result)

    def _summary(self, today, result):
        Project = apps.get_model("projects", "Project")
        counts = {
            label: apps.get_model(model).objects.count()
            for label, model in (
                ("contractors", "projects.Contractor"),
                ("work units", "projects.WorkUnit"),
                ("registrations", "compliance.Registration"),
                ("payments", "compliance.Payment"),
                ("workers", "workers.Worker"),
                ("enrollments", "workers.Enrollment"),
            )
        }
        bekasi = Project.objects.filter(regency__code=BEKASI).count()
        tanbu = Project.objects.filter(regency__code=TANBU).count()
        created = ", ".join(f"{n} {label}" for label, n in result.created.items())
        self.stdout.write(f"Demo data relative to {today:%Y-%m-%d}:")
        self.stdout.write(
            f"  projects: {bekasi} in Kota Bekasi ({BEKASI}), {tanbu} in Kabupaten Tanah Bumbu "
            f"({TANBU}); " + ", ".join(f"{n} {label}" for label, n in counts.items())
        )
        self.stdout.write(f"  created now: {created or 'nothing, the demo was already there'}")
        if result.users_created:
            self.stdout.write(
                f"  users (password {DEMO_PASSWORD}): " + ", ".join(result.users_created)
            )
        else:
            self.stdout.write(
                "  users: " + ", ".join(seed.username for seed in USERS) + " (already there)"
            )
        self.stdout.write(
            "  Compliance flags open on the next engine run (within a minute with the Celery "
            "worker), or now with: python manage.py scan_compliance"
        )
