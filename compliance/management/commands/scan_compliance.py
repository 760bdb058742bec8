"""Run the full compliance scan now, synchronously (the same code beat runs hourly)."""

import json

from django.core.management.base import BaseCommand

from compliance.scanning import scan_projects


class Command(BaseCommand):
    help = "Evaluate every project against the compliance rules; open, escalate and resolve flags."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="End with one JSON line of the counts."
        )

    def handle(self, *args, **options):
        result = scan_projects()
        if result.skipped:
            self.stderr.write("Another scan holds the lock; nothing was done.")
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json()))
        else:
            self.stdout.write(
                f"scanned {result.scanned}, opened {result.opened}, resolved {result.resolved}, "
                f"letters due {result.escalated}, open flags {result.open_total}"
            )
