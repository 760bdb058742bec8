from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@login_required
def home(request):
    """The landing page after login: a superuser goes to admin, everyone else to their projects."""
    if request.user.is_superuser:
        return redirect("admin:index")
    return redirect("projects:list")


@require_GET
def healthz(request):
    """The process is up (no database, no broker): for compose health checks."""
    return HttpResponse("ok", content_type="text/plain")
