"""Procurement imports: check a file (the preview), confirm it, run it as one transaction."""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reference.models import Region

from .importing import MAX_BYTES, Plan, Scope, apply_plan, plan_file
from .models import ProcurementImport
from .reading import ImportRefused

logger = logging.getLogger(__name__)


def can_import(user) -> bool:
    """Editors of a labour office, and superusers: an import creates projects and companies."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.can_change_project_data


def scope_for(user, default_regency: Region | None = None) -> Scope:
    region = None if user.is_superuser else user.office.region
    if default_regency is None and region is not None and not region.is_province:
        default_regency = region  # a kab/kota office's file is about its kab/kota
    return Scope(region=region, default_regency=default_regency)


def _store_plan(run: ProcurementImport, plan: Plan) -> None:
    for name, value in plan.counts().items():
        setattr(run, name, value)
    run.rows = [row.as_dict() for row in plan.rows]


def create_import(
    *, upload, user, language: str, default_regency: Region | None = None
) -> ProcurementImport:
    """Check an uploaded file and keep it with its preview. Raises ImportRefused (storing
    nothing) when the file as a whole is unusable; row problems are part of the preview."""
    if upload.size > MAX_BYTES:
        raise ImportRefused(
            _("The file is larger than %(size)d MB. Split it and upload the parts one by one.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    scope = scope_for(user, default_regency)
    plan = plan_file(upload, scope=scope)
    run = ProcurementImport(
        office=user.office,
        created_by=user,
        original_name=(upload.name or "")[:255],
        file_format=plan.file_format,
        kind=plan.kind,
        default_regency=scope.default_regency,
        language=language,
    )
    _store_plan(run, plan)
    upload.seek(0)
    run.file.save("upload", upload, save=False)
    run.save()
    return run


def confirm_import(*, run: ProcurementImport) -> bool:
    """Queue a checked import (compare-and-set checked -> queued); False if it was not waiting."""
    with transaction.atomic():
        claimed = ProcurementImport.objects.filter(
            pk=run.pk, status=ProcurementImport.Status.CHECKED
        ).update(status=ProcurementImport.Status.QUEUED, queued_at=timezone.now())
        if claimed:
            transaction.on_commit(lambda: send_import_task(run.pk), robust=True)
    return bool(claimed)


def send_import_task(run_id: int) -> None:
    from .tasks import import_procurement_task

    import_procurement_task.delay(run_id)


def run_import(run_id: int, *, now=None) -> ProcurementImport | None:
    """Plan the file again (projects may have changed since the preview) and apply it in ONE
    transaction, with the run's move to done. Idempotent twice over: the run row is locked and
    must still be queued (compare-and-set), and the same file imported again matches every
    package it created, so it changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        run = (
            ProcurementImport.objects.select_for_update(of=("self",))
            .select_related("created_by", "office__region", "default_regency")
            .defer("rows")  # the preview's outcome per row: replaced, never read here
            .filter(pk=run_id, status=ProcurementImport.Status.QUEUED)
            .first()
        )
        if run is None:
            return None
        user = run.created_by
        scope = Scope(
            region=run.office.region if run.office_id else None,
            default_regency=run.default_regency,
        )
        set_progress(run.pk, done=0, total=run.row_count)

        def progress(done):
            set_progress(run.pk, done=done, total=run.row_count)

        with translation.override(run.language), run.file.open("rb") as fileobj:
            plan = plan_file(fileobj, scope=scope, progress=progress)
            apply_plan(plan, user=user, now=now, progress=progress)
        _store_plan(run, plan)
        run.status = ProcurementImport.Status.DONE
        run.finished_at = timezone.now()
        run.save()
    return run


def fail_import(run_id: int, error: str) -> bool:
    """Record that a queued import failed (its transaction was rolled back: nothing written)."""
    return bool(
        ProcurementImport.objects.filter(pk=run_id, status=ProcurementImport.Status.QUEUED).update(
            status=ProcurementImport.Status.FAILED, error=error[:2000], finished_at=timezone.now()
        )
    )


# Progress lives in the shared cache: the import's transaction hides its rows until the end.


def progress_key(run_id: int) -> str:
    return f"procurement:import:{run_id}:progress"


def set_progress(run_id: int, *, done: int, total: int) -> None:
    try:
        cache.set(progress_key(run_id), {"done": done, "total": total}, timeout=24 * 3600)
    except Exception:  # the cache is never required for correctness
        logger.warning("procurement import %s: progress not stored", run_id, exc_info=True)


def get_progress(run_id: int) -> dict | None:
    try:
        return cache.get(progress_key(run_id))
    except Exception:
        return None
