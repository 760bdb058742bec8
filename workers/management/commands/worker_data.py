"""A worker's personal data on request, and its deletion when retention ends.

    manage.py worker_data --export 3275011708900001 > budi.json
    manage.py worker_data --erase 3275011708900001
    manage.py worker_data --purge-expired

The rules are in workers.personal_data; this command only parses and prints.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from workers.models import Worker
from workers.personal_data import erase_worker_data, export_worker_data, purge_expired_worker_data


class Command(BaseCommand):
    help = "Export or erase the personal data of a worker (by NIK), or purge expired data."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--export", metavar="NIK", help="print everything held as JSON")
        action.add_argument("--erase", metavar="NIK", help="delete or anonymise the person")
        action.add_argument(
            "--purge-expired",
            action="store_true",
            help="delete enrollments and workers past PANTAU_WORKER_DATA_RETENTION_YEARS",
        )

    def handle(self, *args, export=None, erase=None, purge_expired=False, **options):
        today = timezone.localdate()
        try:
            if export:
                data = export_worker_data(export)
                self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, indent=2))
            elif erase:
                result = erase_worker_data(nik=erase, today=today)
                outcome = "deleted" if result.worker_deleted else "anonymised"
                self.stdout.write(
                    f"Worker {outcome}: {result.enrollments_deleted} enrollments deleted, "
                    f"{result.enrollments_kept} kept for their projects' compliance record."
                )
            else:
                purge = purge_expired_worker_data(today=today)
                self.stdout.write(
                    f"Purged {purge.enrollments} enrollments and {purge.workers} workers."
                )
        except Worker.DoesNotExist as error:
            raise CommandError("No worker has this NIK.") from error
