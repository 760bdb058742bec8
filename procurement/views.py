"""The office's procurement import pages: list of runs, upload, preview/progress/result.

Labour-office editors and superusers only (PermissionDenied for anyone else); a run is reached
through ProcurementImport.objects.visible_to(user), so another office's run is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import ProcurementUploadForm
from .importing import Outcome
from .models import ProcurementImport
from .reading import ImportRefused
from .services import can_import, confirm_import, create_import, get_progress, send_import_task

ROWS_PER_PAGE = 100


def _require_importer(user) -> None:
    if not can_import(user):
        raise PermissionDenied(_("Procurement imports are for labour office editors."))


def _run(request, pk):
    _require_importer(request.user)
    return get_object_or_404(
        ProcurementImport.objects.visible_to(request.user).select_related("created_by"), pk=pk
    )


@login_required
def import_list(request):
    """Every run of the office, newest first (the rows are not loaded: they can be many)."""
    _require_importer(request.user)
    runs = (
        ProcurementImport.objects.visible_to(request.user)
        .select_related("created_by", "office")
        .defer("rows")
    )
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(request, "procurement/import_list.html", {"page": page})


@login_required
def import_upload(request):
    _require_importer(request.user)
    region = None if request.user.is_superuser else request.user.office.region
    form = ProcurementUploadForm(request.POST or None, request.FILES or None, scope_region=region)
    if form.is_valid():
        try:
            run = create_import(
                upload=form.cleaned_data["file"],
                user=request.user,
                language=get_language(),
                default_regency=form.cleaned_data.get("default_regency"),
            )
        except ImportRefused as error:
            form.add_error("file", error.message)
        else:
            return redirect(run)
    return render(request, "procurement/import_form.html", {"form": form, "region": region})


@login_required
def import_detail(request, pk):
    """The preview, then the progress, then the result; rows listed by outcome."""
    run = _run(request, pk)
    outcome = request.GET.get("outcome")
    rows = run.rows
    if outcome in Outcome.ALL:
        rows = [row for row in rows if row["outcome"] == outcome]
    else:
        outcome = ""
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "page": page,
        "outcome": outcome,
        "outcome_labels": outcome_labels(),
        "progress": _progress(run),
    }
    return render(request, "procurement/import_detail.html", context)


@login_required
@require_POST
def import_confirm(request, pk):
    """Start a checked import; on a run already queued, send its task again (idempotent)."""
    run = _run(request, pk)
    if run.status == ProcurementImport.Status.CHECKED and run.writes_count:
        confirm_import(run=run)
    elif run.status == ProcurementImport.Status.QUEUED:
        send_import_task(run.pk)
    return redirect(run)


@login_required
def import_status(request, pk):
    """JSON for the progress bar (static/js/workers-import-progress.js, shared)."""
    run = _run(request, pk)
    return JsonResponse({"status": run.status, **_progress(run), "url": run.get_absolute_url()})


def outcome_labels() -> list[tuple[str, str]]:
    return [
        (Outcome.NEW, _("new project")),
        (Outcome.CHANGED, _("matched, changed")),
        (Outcome.MATCHED, _("matched")),
        (Outcome.PLAN, _("no contract yet")),
        (Outcome.REJECTED, _("rejected")),
        (Outcome.SKIPPED, _("skipped")),
    ]


def _progress(run) -> dict:
    if run.status in (ProcurementImport.Status.DONE, ProcurementImport.Status.FAILED):
        done = total = run.row_count
    else:
        stored = get_progress(run.pk) or {}
        done, total = stored.get("done", 0), stored.get("total") or run.row_count
    percent = round(100 * done / total) if total else 0
    return {"done": done, "total": total, "percent": min(percent, 100)}
