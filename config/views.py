from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.views.decorators.http import require_GET

from . import readiness


@login_required
def home(request):
    """The landing page after login: admin for a superuser, the region's projects for office
    staff, "my projects" for a contractor."""
    if request.user.is_superuser:
        return redirect("admin:index")
    if request.user.is_office_staff:
        return redirect("monitoring:dashboard")
    return redirect("projects:list")


@require_GET
def healthz(request):
    """The process is up (no database, no broker): for compose health checks."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def readyz(request):
    """The database and the broker answer: 200, or 503 naming the part that does not. For
    orchestrators and compose; no login, no session, nothing written."""
    status = {
        "database": "ok" if readiness.database_is_ready() else "unavailable",
        "broker": "ok" if readiness.broker_is_ready() else "unavailable",
    }
    is_ready = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if is_ready else 503)


def server_error(request):
    """Django's 500 view, plus the request's id (the log lines of the failure carry it too), so
    a user can quote it. Plain context: no database, no session, which may be what failed."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": getattr(request, "id", "")}))
